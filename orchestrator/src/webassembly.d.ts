// The slice of the WebAssembly JS API planc uses; @types/node 20 does not declare it.
// Declarations only: nothing here may emit code.
declare namespace WebAssembly {
  interface ModuleImportDescriptor { module: string; name: string; kind: string }
  interface ModuleExportDescriptor { name: string; kind: string }
  class Module {
    constructor(bytes: BufferSource);
    static imports(m: Module): ModuleImportDescriptor[];
    static exports(m: Module): ModuleExportDescriptor[];
  }
  class Instance {
    constructor(m: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(d: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
  }
  function compile(bytes: BufferSource): Promise<Module>;
  function instantiate(m: Module, imports?: Record<string, Record<string, unknown>>): Promise<Instance>;
}
type BufferSource = ArrayBufferView | ArrayBuffer;
