#include "netlink.h"

#include <cerrno>
#include <cstring>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ctr {
namespace {

constexpr size_t kBufSize = 1024;

struct Request {
  alignas(nlmsghdr) char buf[kBufSize];
  nlmsghdr* hdr() { return reinterpret_cast<nlmsghdr*>(buf); }
};

void begin(Request& r, uint16_t type, uint16_t flags, size_t body) {
  memset(r.buf, 0, sizeof r.buf);
  r.hdr()->nlmsg_len = NLMSG_LENGTH(body);
  r.hdr()->nlmsg_type = type;
  r.hdr()->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
}

template <typename T>
T* body(Request& r) { return static_cast<T*>(NLMSG_DATA(r.hdr())); }

rtattr* tail(Request& r) {
  return reinterpret_cast<rtattr*>(r.buf + NLMSG_ALIGN(r.hdr()->nlmsg_len));
}

// Returns the new attribute, or nullptr when the buffer is full.
rtattr* add_attr(Request& r, uint16_t type, const void* data, size_t len) {
  size_t at = NLMSG_ALIGN(r.hdr()->nlmsg_len);
  if (at + RTA_SPACE(len) > kBufSize) return nullptr;
  rtattr* a = tail(r);
  a->rta_type = type;
  a->rta_len = RTA_LENGTH(len);
  if (len) memcpy(RTA_DATA(a), data, len);
  r.hdr()->nlmsg_len = at + RTA_SPACE(len);
  return a;
}

rtattr* add_str(Request& r, uint16_t type, const char* s) {
  return add_attr(r, type, s, strlen(s) + 1);
}

void end_nest(Request& r, rtattr* nest) {
  nest->rta_len = static_cast<unsigned short>(r.buf + r.hdr()->nlmsg_len - reinterpret_cast<char*>(nest));
}

// Sends the request and waits for the kernel's ack. A link in the reply (the
// answer to RTM_GETLINK) has its index stored in *link_index.
int transact(int sock, Request& r, int* link_index = nullptr) {
  static unsigned seq_counter = 0;
  unsigned seq = ++seq_counter;
  r.hdr()->nlmsg_seq = seq;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do {
    sent = sendto(sock, r.buf, r.hdr()->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return -errno;
  // A link's description can be long (stats, VF info): room for it, and a
  // reply cut anyway is refused (MSG_TRUNC gives its whole length), never read half.
  alignas(nlmsghdr) char reply[32768];
  for (;;) {
    ssize_t n = recv(sock, reply, sizeof reply, MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (static_cast<size_t>(n) > sizeof reply) return -EMSGSIZE;
    for (nlmsghdr* h = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(h, static_cast<unsigned>(n)); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != seq) continue;
      if (h->nlmsg_type == RTM_NEWLINK && link_index) *link_index = static_cast<ifinfomsg*>(NLMSG_DATA(h))->ifi_index;
      if (h->nlmsg_type == NLMSG_ERROR) return static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;  // 0 is the ack
    }
  }
}

}  // namespace

int nl_open() {
  int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock < 0) return -errno;
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (bind(sock, reinterpret_cast<sockaddr*>(&local), sizeof local) < 0) {
    int err = errno;
    close(sock);
    return -err;
  }
  return sock;
}

int nl_link_index(int sock, const char* name) {
  if (strlen(name) >= IFNAMSIZ) return -ENAMETOOLONG;
  Request r;
  begin(r, RTM_GETLINK, 0, sizeof(ifinfomsg));
  body<ifinfomsg>(r)->ifi_family = AF_UNSPEC;
  if (!add_str(r, IFLA_IFNAME, name)) return -ENOBUFS;
  int index = -ENODEV;
  int err = transact(sock, r, &index);
  return err < 0 ? err : index;
}

int nl_create_veth(int sock, const char* host, const char* peer, pid_t peer_ns_pid) {
  if (strlen(host) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ) return -ENAMETOOLONG;
  Request r;
  begin(r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(ifinfomsg));
  body<ifinfomsg>(r)->ifi_family = AF_UNSPEC;
  if (!add_str(r, IFLA_IFNAME, host)) return -ENOBUFS;
  rtattr* linkinfo = add_attr(r, IFLA_LINKINFO, nullptr, 0);
  if (!linkinfo || !add_str(r, IFLA_INFO_KIND, "veth")) return -ENOBUFS;
  rtattr* data = add_attr(r, IFLA_INFO_DATA, nullptr, 0);
  rtattr* peer_info = data ? add_attr(r, VETH_INFO_PEER, nullptr, 0) : nullptr;
  if (!peer_info) return -ENOBUFS;
  ifinfomsg peer_msg{};
  peer_msg.ifi_family = AF_UNSPEC;
  // VETH_INFO_PEER carries an ifinfomsg followed by the peer's attributes.
  size_t at = NLMSG_ALIGN(r.hdr()->nlmsg_len);
  if (at + NLMSG_ALIGN(sizeof peer_msg) > kBufSize) return -ENOBUFS;
  memcpy(r.buf + at, &peer_msg, sizeof peer_msg);
  r.hdr()->nlmsg_len = at + NLMSG_ALIGN(sizeof peer_msg);
  if (!add_str(r, IFLA_IFNAME, peer)) return -ENOBUFS;
  uint32_t pid = static_cast<uint32_t>(peer_ns_pid);
  if (peer_ns_pid > 0 && !add_attr(r, IFLA_NET_NS_PID, &pid, sizeof pid)) return -ENOBUFS;
  end_nest(r, peer_info);
  end_nest(r, data);
  end_nest(r, linkinfo);
  return transact(sock, r);
}

int nl_delete_link(int sock, const char* name) {
  int index = nl_link_index(sock, name);
  if (index < 0) return index;
  Request r;
  begin(r, RTM_DELLINK, 0, sizeof(ifinfomsg));
  body<ifinfomsg>(r)->ifi_family = AF_UNSPEC;
  body<ifinfomsg>(r)->ifi_index = index;
  return transact(sock, r);
}

int nl_link_up(int sock, const char* name) {
  int index = nl_link_index(sock, name);
  if (index < 0) return index;
  Request r;
  begin(r, RTM_NEWLINK, 0, sizeof(ifinfomsg));
  auto* ifi = body<ifinfomsg>(r);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return transact(sock, r);
}

int nl_add_address(int sock, const char* name, uint32_t addr, uint8_t prefix) {
  int index = nl_link_index(sock, name);
  if (index < 0) return index;
  Request r;
  begin(r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(ifaddrmsg));
  auto* ifa = body<ifaddrmsg>(r);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = prefix;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<unsigned>(index);
  if (!add_attr(r, IFA_LOCAL, &addr, sizeof addr) || !add_attr(r, IFA_ADDRESS, &addr, sizeof addr)) return -ENOBUFS;
  return transact(sock, r);
}

int nl_add_route(int sock, const char* name, uint32_t dst, uint8_t prefix, uint32_t gateway) {
  int index = nl_link_index(sock, name);
  if (index < 0) return index;
  Request r;
  begin(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(rtmsg));
  auto* rt = body<rtmsg>(r);
  rt->rtm_family = AF_INET;
  rt->rtm_dst_len = prefix;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  rt->rtm_type = RTN_UNICAST;
  uint32_t oif = static_cast<uint32_t>(index);
  if (prefix && !add_attr(r, RTA_DST, &dst, sizeof dst)) return -ENOBUFS;
  if (gateway && !add_attr(r, RTA_GATEWAY, &gateway, sizeof gateway)) return -ENOBUFS;
  if (!add_attr(r, RTA_OIF, &oif, sizeof oif)) return -ENOBUFS;
  return transact(sock, r);
}

}  // namespace ctr
