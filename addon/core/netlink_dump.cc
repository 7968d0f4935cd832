#include "netlink_dump.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "netlink.h"

namespace ctr {

int nl_open_in_netns(pid_t pid, const char** call) {
  if (pid == 0) {
    *call = "socket(NETLINK_ROUTE)";
    return nl_open();
  }
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  int ns = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0) {
    *call = "open";
    return -errno;
  }
  int result = 0;
  const char* failed = "";
  std::thread joiner([&] {
    if (setns(ns, CLONE_NEWNET) < 0) {
      result = -errno;
      failed = "setns(CLONE_NEWNET)";
      return;
    }
    result = nl_open();
    if (result < 0) failed = "socket(NETLINK_ROUTE) in the namespace";
  });
  joiner.join();
  close(ns);
  *call = failed;
  return result;
}

int nl_dump(int sock, uint16_t type, std::vector<std::string>* messages) {
  struct {
    nlmsghdr hdr;
    rtgenmsg gen;
  } req{};
  static unsigned seq_counter = 0x10000;
  unsigned seq = ++seq_counter;
  req.hdr.nlmsg_len = NLMSG_LENGTH(sizeof req.gen);
  req.hdr.nlmsg_type = type;
  req.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.hdr.nlmsg_seq = seq;
  req.gen.rtgen_family = AF_UNSPEC;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do {
    sent = sendto(sock, &req, req.hdr.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return -errno;
  std::vector<char> reply(32768);
  for (;;) {
    ssize_t n = recv(sock, reply.data(), reply.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return -EIO;
    for (auto* h = reinterpret_cast<nlmsghdr*>(reply.data()); NLMSG_OK(h, static_cast<unsigned>(n)); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != seq) continue;
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (h->nlmsg_type == NLMSG_ERROR) {
        int err = static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
        if (err < 0) return err;
        continue;
      }
      messages->emplace_back(reinterpret_cast<const char*>(h), h->nlmsg_len);
    }
  }
}

}  // namespace ctr
