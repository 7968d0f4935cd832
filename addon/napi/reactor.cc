#include "reactor.h"

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include "errors.h"
#include "pid_snapshot.h"

namespace ctr {
namespace {

// Runs a thread-safe function's call into JavaScript. When the process is exiting, Node may still
// run queued calls while JavaScript can no longer run: every N-API call then fails, node-addon-api
// turns the failure into a C++ Napi::Error, and rethrowing that as a JS exception fails the same
// way, out of a C callback: std::terminate ("terminate called after throwing an instance of
// 'Napi::Error'", exit 134) at the end of a command that had done its work. Such a call has no
// one left to tell, so it ends here. (A JavaScript callback's own exceptions never get this far:
// native.ts catches them and throws them again as ordinary uncaught exceptions.)
template <typename Body>
void into_js(Body&& body) {
  try {
    body();
  } catch (const Napi::Error&) {
  }
}

enum class Kind { Exit, Readable, Snapshot };

struct Watch {
  Kind kind;
  int fd;
  Napi::ThreadSafeFunction callback;
  // Snapshot: the cgroup.procs files to read when the fd fires, what was read
  // and not yet taken by JavaScript, and whether a call to it is queued.
  std::vector<std::string> procs;
  std::vector<std::pair<int, int>> pending;
  bool queued = false;
};

struct ExitStatus {
  int code;
  int signal;
};

// A watch ended by a failed call: its callback hears of it (an Error argument;
// for an exit watch, the status's .error) rather than never being called again.
struct WatchFailure {
  Kind kind;
  std::string call;
  std::string path;
  int err;
};

class Reactor {
 public:
  static Reactor& get(Napi::Env env) {
    static Reactor* instance = new Reactor(env);
    return *instance;
  }

  uint64_t add(Kind kind, int fd, Napi::ThreadSafeFunction tsfn, std::vector<std::string> procs = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t id = ++next_id_;
    watches_.emplace(id, Watch{kind, fd, tsfn, std::move(procs), {}, false});
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = id;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
      int err = errno;
      watches_.erase(id);
      errno = err;
      return 0;
    }
    return id;
  }

  // Arms the one-shot watch again; when the kernel refuses, the watch ends
  // and its callback is told why.
  void rearm(uint64_t id) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto it = watches_.find(id);
    if (it == watches_.end()) return;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = id;
    if (epoll_ctl(epfd_, EPOLL_CTL_MOD, it->second.fd, &ev) < 0) {
      int err = errno;
      lock.unlock();
      fail_watch(id, "epoll_ctl(EPOLL_CTL_MOD)", err);
    }
  }

  // Returns 1, 0 when the watch had already ended, or -errno when the kernel
  // refused to take its fd out of the set (the watch is ended all the same).
  int remove(uint64_t id) {
    Napi::ThreadSafeFunction tsfn;
    int rc = 1;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = watches_.find(id);
      if (it == watches_.end()) return 0;
      // EBADF, ENOENT: the fd was closed before the watch ended, which took it out of the set already.
      if (epoll_ctl(epfd_, EPOLL_CTL_DEL, it->second.fd, nullptr) < 0 && errno != EBADF && errno != ENOENT) rc = -errno;
      tsfn = it->second.callback;
      watches_.erase(it);
    }
    tsfn.Release();
    return rc;
  }

  // Ends a watch whose call failed and hands the failure to its callback
  // (an exit watch's pidfd is the reactor's, and is closed).
  void fail_watch(uint64_t id, const char* call, int err, const std::string& path = "") {
    std::unique_lock<std::mutex> lock(mutex_);
    auto it = watches_.find(id);
    if (it == watches_.end()) return;
    Watch watch = it->second;
    // The fd may be what failed: whatever DEL says, the watch is gone from here on.
    (void)epoll_ctl(epfd_, EPOLL_CTL_DEL, watch.fd, nullptr);
    watches_.erase(it);
    lock.unlock();
    if (watch.kind == Kind::Exit) close(watch.fd);
    auto* failure = new WatchFailure{watch.kind, call, path.empty() ? "fd " + std::to_string(watch.fd) : path, err};
    if (watch.callback.NonBlockingCall(failure, [](Napi::Env env, Napi::Function cb, WatchFailure* f) {
          std::unique_ptr<WatchFailure> owned(f);
          into_js([&] {
            Napi::Value error = native_error(env, owned->call, owned->path, owned->err).Value();
            if (owned->kind != Kind::Exit) {
              cb.Call({error});
              return;
            }
            Napi::Object result = Napi::Object::New(env);
            result.Set("code", env.Null());
            result.Set("signal", env.Null());
            result.Set("error", error);
            cb.Call({result});
          });
        }) != napi_ok) {
      delete failure;
    }
    watch.callback.Release();
  }

  // What a Snapshot watch has read since the last call; empty for other ids.
  std::vector<std::pair<int, int>> take(uint64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = watches_.find(id);
    if (it == watches_.end()) return {};
    it->second.queued = false;
    return std::exchange(it->second.pending, {});
  }

  void shutdown() {
    uint64_t one = 1;
    if (write(wake_fd_, &one, sizeof one) < 0) return;
    if (thread_.joinable()) thread_.join();
  }

 private:
  explicit Reactor(Napi::Env env) {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) throw_errno(env, "epoll_create1", "the reactor");
    wake_fd_ = eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) {
      int err = errno;
      close(epfd_);
      throw_errno(env, "eventfd", "the reactor's wake fd", err);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 0;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &ev) < 0) {
      int err = errno;
      close(epfd_);
      close(wake_fd_);
      throw_errno(env, "epoll_ctl(EPOLL_CTL_ADD)", "the reactor's wake fd", err);
    }
    thread_ = std::thread([this] { run(); });
  }

  // The reactor cannot wait any more: every watch hears why.
  void fail_all(const char* call, int err) {
    std::vector<uint64_t> ids;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& entry : watches_) ids.push_back(entry.first);
    }
    for (uint64_t id : ids) fail_watch(id, call, err);
  }

  void run() {
    // A cgroup's OOM notifier is a deadline: who is in the cgroup must be
    // read before the kernel's victim exits and is reaped, a few ms later.
    // Under CPU load a plain thread can wake too late, so this one (which
    // only ever does a few reads per wake) asks for the lowest real-time
    // priority, or failing that a high nice value.
    sched_param param{};
    param.sched_priority = 1;
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) != 0) {
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), -10);
    }
    epoll_event events[32];
    for (;;) {
      int n = epoll_wait(epfd_, events, 32, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail_all("epoll_wait", errno);
        return;
      }
      for (int i = 0; i < n; i++) {
        if (events[i].data.u64 == 0) return;
      }
      // Snapshots first: a cgroup's OOM notifier fires before the kernel
      // logs its kill, so who was in the cgroup is noted before JavaScript
      // can hear of the kill from /dev/kmsg.
      for (int i = 0; i < n; i++) {
        if (is_snapshot(events[i].data.u64)) fire(events[i].data.u64);
      }
      for (int i = 0; i < n; i++) {
        if (!is_snapshot(events[i].data.u64)) fire(events[i].data.u64);
      }
    }
  }

  bool is_snapshot(uint64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = watches_.find(id);
    return it != watches_.end() && it->second.kind == Kind::Snapshot;
  }

  void fire(uint64_t id) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto it = watches_.find(id);
    if (it == watches_.end()) return;
    if (it->second.kind == Kind::Snapshot) {
      snapshot(id, lock);
      return;
    }
    Watch watch = it->second;
    if (watch.kind == Kind::Readable) {
      lock.unlock();
      auto* pid = new uint64_t(id);
      if (watch.callback.NonBlockingCall(pid, [this](Napi::Env env, Napi::Function cb, uint64_t* wid) {
            uint64_t watch_id = *wid;
            delete wid;
            into_js([&] { cb.Call({}); });
            (void)env;
            rearm(watch_id);
          }) != napi_ok) {
        delete pid;
      }
      return;
    }
    siginfo_t info{};
    int rc = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(watch.fd), &info, WEXITED | WNOHANG);
    if (rc == 0 && info.si_pid == 0) {
      lock.unlock();
      rearm(id);
      return;
    }
    // rc < 0: reaped by someone else (ECHILD); the status is unknown.
    // Closing the pidfd below takes it out of the set whatever DEL says.
    (void)epoll_ctl(epfd_, EPOLL_CTL_DEL, watch.fd, nullptr);
    watches_.erase(it);
    lock.unlock();
    close(watch.fd);
    auto* status = new ExitStatus{-1, 0};
    if (rc < 0) info.si_code = 0;
    if (info.si_code == CLD_EXITED) status->code = info.si_status;
    else if (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED) status->signal = info.si_status;
    if (watch.callback.NonBlockingCall(status, [](Napi::Env env, Napi::Function cb, ExitStatus* s) {
          std::unique_ptr<ExitStatus> owned(s);
          into_js([&] {
            Napi::Object result = Napi::Object::New(env);
            result.Set("code", owned->code >= 0 ? Napi::Value(Napi::Number::New(env, owned->code)) : env.Null());
            result.Set("signal", owned->signal ? Napi::Value(Napi::Number::New(env, owned->signal)) : env.Null());
            cb.Call({result});
          });
        }) != napi_ok) {
      delete status;
    }
    watch.callback.Release();
  }

  // Drains the notifier, notes who is in the cgroup, rearms, and tells
  // JavaScript (once, until it takes what was read).
  void snapshot(uint64_t id, std::unique_lock<std::mutex>& lock) {
    Watch& watch = watches_.find(id)->second;
    int fd = watch.fd;
    std::vector<std::string> procs = watch.procs;
    lock.unlock();
    int err = drain_fd(fd);
    if (err) {
      fail_watch(id, "read", err);
      return;
    }
    SnapshotFailure failure;
    auto pids = snapshot_pids(procs, &failure);
    if (failure.err) {
      fail_watch(id, failure.call.c_str(), failure.err, failure.path);
      return;
    }
    lock.lock();
    auto it = watches_.find(id);
    if (it == watches_.end()) return;
    auto& pending = it->second.pending;
    pending.insert(pending.end(), pids.begin(), pids.end());
    bool call = !it->second.queued;
    it->second.queued = true;
    Napi::ThreadSafeFunction tsfn = it->second.callback;
    lock.unlock();
    rearm(id);
    if (call && tsfn.NonBlockingCall([](Napi::Env, Napi::Function cb) { into_js([&] { cb.Call({}); }); }) != napi_ok) take(id);
  }

  int epfd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  std::mutex mutex_;
  std::map<uint64_t, Watch> watches_;
  uint64_t next_id_ = 0;
};

Reactor* g_reactor = nullptr;

Reactor& reactor(Napi::Env env) {
  g_reactor = &Reactor::get(env);
  return *g_reactor;
}

}  // namespace

Napi::Value WatchExit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pidfd = info[0].As<Napi::Number>().Int32Value();
  auto tsfn = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "ctr-exit", 0, 1);
  uint64_t id = reactor(env).add(Kind::Exit, pidfd, tsfn);
  if (!id) {
    tsfn.Release();
    throw_errno(env, "epoll_ctl(EPOLL_CTL_ADD)", "pidfd " + std::to_string(pidfd));
  }
  return Napi::Number::New(env, static_cast<double>(id));
}

Napi::Value WatchReadable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  bool keep_alive = info.Length() > 2 && info[2].ToBoolean();
  auto tsfn = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "ctr-readable", 0, 1);
  if (!keep_alive) tsfn.Unref(env);
  uint64_t id = reactor(env).add(Kind::Readable, fd, tsfn);
  if (!id) {
    tsfn.Release();
    throw_errno(env, "epoll_ctl(EPOLL_CTL_ADD)", "fd " + std::to_string(fd));
  }
  return Napi::Number::New(env, static_cast<double>(id));
}

Napi::Value WatchSnapshot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Array files = info[1].As<Napi::Array>();
  std::vector<std::string> procs;
  for (uint32_t i = 0; i < files.Length(); i++) procs.push_back(files.Get(i).ToString().Utf8Value());
  auto tsfn = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "ctr-snapshot", 0, 1);
  tsfn.Unref(env);
  uint64_t id = reactor(env).add(Kind::Snapshot, fd, tsfn, std::move(procs));
  if (!id) {
    tsfn.Release();
    throw_errno(env, "epoll_ctl(EPOLL_CTL_ADD)", "fd " + std::to_string(fd));
  }
  return Napi::Number::New(env, static_cast<double>(id));
}

Napi::Value TakeSnapshot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto id = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
  auto pids = reactor(env).take(id);
  Napi::Array out = Napi::Array::New(env, pids.size() * 2);
  for (size_t i = 0; i < pids.size(); i++) {
    out.Set(static_cast<uint32_t>(2 * i), Napi::Number::New(env, pids[i].first));
    out.Set(static_cast<uint32_t>(2 * i + 1), Napi::Number::New(env, pids[i].second));
  }
  return out;
}

Napi::Value Unwatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto id = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
  int rc = reactor(env).remove(id);
  if (rc < 0) throw_errno(env, "epoll_ctl(EPOLL_CTL_DEL)", "watch " + std::to_string(id), -rc);
  return Napi::Boolean::New(env, rc == 1);
}

void ReactorShutdown() {
  if (g_reactor) g_reactor->shutdown();
}

}  // namespace ctr
