/* findings.h — `validate`: the planner's errors plus the security findings of findings.def,
 * each with a JSON Pointer into config.json. Must never change what `plan` decides. */
#ifndef PLANC_FINDINGS_H
#define PLANC_FINDINGS_H
#include "planner.h"

enum {
#define FINDING(E, id, sev, desc) FD_##E,
#include "../findings.def"
#undef FINDING
    FD__COUNT
};

typedef struct {
    size_t offset, seq;                 /* sort keys: document order, then discovery order */
    const char *pointer, *rule, *severity, *message;
} finding;

/* Runs the whole planner, then the findings over config.json (create only). The list lives
 * in p's arena: the planner's errors first (severity "error", their order), then the
 * findings in document order. */
void planc_validate(planner *p, const uint8_t *config, size_t config_len,
                    const uint8_t *ctx, size_t ctx_len, finding **out, size_t *n);

/* Both rule tables as one JSON document:
 * {"rules":[{"id":…,"severity":"error"|"warning"|"info","description":…},…]} */
const char *planc_rules_json(arena *a, size_t *len);
#endif
