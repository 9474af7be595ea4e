/* ops_net.c — network device ops: link_up in C's network namespace, and link_move, by which P
 * hands a host device to the container's namespace by netlink, renamed, with its permanent
 * global addresses. Never picks a device, a name or a namespace: all come from the plan. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "shim.h"

/* IFF_UP set or cleared by ioctl on a socket of the caller's network namespace */
static int link_flag(const char *name, int up, struct err *e)
{
	struct ifreq ifr = { 0 };
	int r = 0, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		r = fail_errno(e, "%s", name);
	else if (ifr.ifr_flags = (short)(up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP), ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		r = fail_errno(e, "%s: set %s", name, up ? "up" : "down");
	close(fd);
	return r;
}

int do_LINK_UP(struct ctx *c, const struct op *op, struct err *e)
{
	return strlen(op->a[0].s) >= IFNAMSIZ ? fail(e, EINVAL, "%s: name too long", op->a[0].s) : link_flag(op->a[0].s, 1, e);
}

struct addrs {
	int index, n;
	struct { unsigned char family, prefixlen, ip[16]; } a[32];
};

/* a dumped address that runc carries over: the device's, permanent, of global scope; its ip
 * is IFA_LOCAL (IPv4, where IFA_ADDRESS may be a peer), else IFA_ADDRESS (IPv6) */
static void keep_addr(struct nlmsghdr *h, struct addrs *x)
{
	struct ifaddrmsg *m = NLMSG_DATA(h);
	int len = (int)IFA_PAYLOAD(h), have = 0;
	if (!x || h->nlmsg_type != RTM_NEWADDR || (int)m->ifa_index != x->index || !(m->ifa_flags & IFA_F_PERMANENT) ||
	    m->ifa_scope != RT_SCOPE_UNIVERSE || x->n == 32)
		return;
	for (struct rtattr *a = IFA_RTA(m); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if ((a->rta_type == IFA_LOCAL || (a->rta_type == IFA_ADDRESS && have != IFA_LOCAL)) && RTA_PAYLOAD(a) <= 16)
			memcpy(x->a[x->n].ip, RTA_DATA(a), RTA_PAYLOAD(a)), have = a->rta_type;
	if (have)
		x->a[x->n].family = m->ifa_family, x->a[x->n++].prefixlen = m->ifa_prefixlen;
}

/* one request (header, body, then (type, data, len) attributes up to type 0), read up to its
 * ack or the end of its dump, each reply offered to keep_addr: 0 or -errno */
static int nl_call(int fd, int type, int flags, const void *body, size_t blen, struct addrs *x, ...)
{
	static char buf[32768];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	va_list ap;
	memset(buf, 0, 512);
	*h = (struct nlmsghdr){ (unsigned)NLMSG_LENGTH(blen), (unsigned short)type, (unsigned short)(NLM_F_REQUEST | flags), 0, 0 };
	memcpy(NLMSG_DATA(h), body, blen);
	va_start(ap, x);
	for (int t; (t = va_arg(ap, int));) {
		const void *d = va_arg(ap, const void *);
		size_t n = va_arg(ap, size_t);
		struct rtattr *a = (struct rtattr *)(buf + NLMSG_ALIGN(h->nlmsg_len));
		*a = (struct rtattr){ (unsigned short)RTA_LENGTH(n), (unsigned short)t };
		memcpy(RTA_DATA(a), d, n);
		h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	}
	va_end(ap);
	if (send(fd, buf, h->nlmsg_len, 0) < 0)
		return -errno;
	for (int n; (n = (int)recv(fd, buf, sizeof buf, 0)) >= 0;)
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE)
				return h->nlmsg_type == NLMSG_DONE ? 0 : ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			else
				keep_addr(h, x);
	return -errno;
}

/* link_move(name, new_name, netns): down (as runc: IPv6 addresses go with it), its addresses
 * read, moved and renamed by one RTM_NEWLINK, the addresses added again in the namespace (a
 * move drops them) by a socket made there. netns "" is C's own. C's link_up brings it up */
int do_LINK_MOVE(struct ctx *c, const struct op *op, struct err *e)
{
	const char *name = op->a[0].s, *to = op->a[1].s, *netns = op->a[2].s;
	char path[64];
	static struct addrs x;
	struct ifaddrmsg ifa = { 0 };
	int r, self = -1, ns = -1, nl = -1;
	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)c->child);
	if (strlen(to) >= IFNAMSIZ)
		return fail(e, EINVAL, "%s: name too long", to);
	if ((x.index = (int)if_nametoindex(name)) == 0)
		return fail_errno(e, "%s", name);
	if ((r = *netns ? 0 : proc_verify(e)) < 0 || (r = link_flag(name, 0, e)) < 0)
		return r;
	if ((nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0 ||
	    (self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 || (ns = open(*netns ? netns : path, O_RDONLY | O_CLOEXEC)) < 0)
		r = fail_errno(e, "%s: %s", name, nl < 0 ? "netlink" : self < 0 ? "/proc/self/ns/net" : *netns ? netns : path);
	else if (x.n = 0, (r = nl_call(nl, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa, &x, 0)) < 0)
		r = fail(e, -r, "%s: list addresses", name);
	else if ((r = nl_call(nl, RTM_NEWLINK, NLM_F_ACK, &(struct ifinfomsg){ .ifi_index = x.index }, sizeof(struct ifinfomsg),
			      NULL, IFLA_IFNAME, to, strlen(to) + 1, IFLA_NET_NS_FD, &ns, sizeof ns, 0)) < 0)
		r = fail(e, -r, "%s -> %s: move", name, to);
	else if (close(nl), nl = -1, setns(ns, CLONE_NEWNET) < 0)
		r = fail_errno(e, "%s: setns", to);
	if (r < 0)
		goto out;
	/* ORDER: the socket and the index are the namespace's; P goes straight back to its own */
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ifa.ifa_index = if_nametoindex(to);
	if (setns(self, CLONE_NEWNET) < 0 || nl < 0 || !ifa.ifa_index)
		r = fail_errno(e, "%s: %s", to, nl < 0 || !ifa.ifa_index ? "in its namespace" : "setns back");
	for (int i = 0; r == 0 && i < x.n; i++) {
		/* as runc's netlink library: local = address = the ip; an IPv4 /30 or wider gets a broadcast */
		uint32_t bc, len = x.a[i].family == AF_INET ? 4 : 16;
		memcpy(&bc, x.a[i].ip, 4);
		bc |= htonl(x.a[i].prefixlen ? 0xffffffffu >> x.a[i].prefixlen : 0xffffffffu);
		ifa.ifa_family = x.a[i].family, ifa.ifa_prefixlen = x.a[i].prefixlen;
		if ((r = nl_call(nl, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa, NULL, IFA_LOCAL, x.a[i].ip,
				 (size_t)len, IFA_ADDRESS, x.a[i].ip, (size_t)len, len == 4 && ifa.ifa_prefixlen < 31 ? IFA_BROADCAST : 0,
				 &bc, (size_t)4, 0)) < 0)
			r = fail(e, -r, "%s: add address %d", to, i);
	}
out:
	close(nl), close(self), close(ns);
	return r;
}
