// hungry: eats memory step by step, so a container's memory limit can be
// watched as it fills up and the OOM killer steps in.
//
//   hungry [--step MiB] [--interval ms] [--max MiB] [--help]
//
// Every page of each block is written to, so the memory is really charged
// to the cgroup (untouched allocations would cost nothing). Progress lines
// are flushed at once because they are watched live.
// With --max, it stops at that size and holds the memory until killed.

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <new>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kPage = 4096;

struct Options {
    unsigned long step_mib = 4;
    unsigned long interval_ms = 100;
    unsigned long max_mib = 0; // 0 = no limit
};

void print_usage(std::FILE *to)
{
    std::fprintf(to,
        "usage: hungry [--step MiB] [--interval ms] [--max MiB] [--help]\n"
        "  --step MiB      memory added per step (default 4, at least 1)\n"
        "  --interval ms   pause between steps (default 100)\n"
        "  --max MiB       stop at this size and hold it (default 0 = never stop)\n");
}

[[noreturn]] void usage_error(const std::string &why)
{
    std::fprintf(stderr, "hungry: %s\n", why.c_str());
    print_usage(stderr);
    std::exit(2);
}

bool parse_number(const char *s, unsigned long &out)
{
    if (s == nullptr || *s == '\0' || *s == '-' || *s == '+')
        return false;
    char *end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    out = v;
    return true;
}

Options parse_options(int argc, char **argv)
{
    Options opt;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            print_usage(stdout);
            std::exit(0);
        }

        // Accept both "--name value" and "--name=value".
        std::string name = arg;
        const char *value = nullptr;
        std::size_t eq = arg.find('=');
        if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = argv[i] + eq + 1;
        }

        unsigned long *target = nullptr;
        if (name == "--step")
            target = &opt.step_mib;
        else if (name == "--interval")
            target = &opt.interval_ms;
        else if (name == "--max")
            target = &opt.max_mib;
        else
            usage_error("unknown option '" + arg + "'");

        if (value == nullptr) {
            if (i + 1 >= argc)
                usage_error("option '" + name + "' needs a value");
            value = argv[++i];
        }
        if (!parse_number(value, *target))
            usage_error("bad value '" + std::string(value) + "' for " + name);
    }

    if (opt.step_mib == 0)
        usage_error("--step must be at least 1");
    // Keep sizes well inside size_t arithmetic.
    if (opt.step_mib > 1024UL * 1024 || opt.max_mib > 1024UL * 1024 * 1024)
        usage_error("size too large");
    if (opt.interval_ms > 24UL * 3600 * 1000)
        usage_error("--interval too large");
    return opt;
}

void sleep_ms(unsigned long ms)
{
    struct timespec ts;
    ts.tv_sec = static_cast<time_t>(ms / 1000);
    ts.tv_nsec = static_cast<long>((ms % 1000) * 1000000L);
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

// Write one byte in every page so each page is faulted in and charged.
void touch(char *p, std::size_t bytes)
{
    for (std::size_t off = 0; off < bytes; off += kPage)
        p[off] = static_cast<char>(0x5a ^ (off / kPage));
    if (bytes > 0)
        p[bytes - 1] = 0x5a;
    // The blocks are never read again, so without this barrier the compiler
    // may drop the stores above as dead, and the pages would never be charged.
    asm volatile("" : : "r"(p) : "memory");
}

} // namespace

int main(int argc, char **argv)
{
    const Options opt = parse_options(argc, argv);

    std::vector<std::unique_ptr<char[]>> blocks;
    unsigned long total_mib = 0;

    std::printf("hungry: pid %ld, step %lu MiB, interval %lu ms, max %s\n",
        static_cast<long>(getpid()), opt.step_mib, opt.interval_ms,
        opt.max_mib == 0 ? "unlimited" : (std::to_string(opt.max_mib) + " MiB").c_str());
    std::fflush(stdout);

    for (;;) {
        if (opt.max_mib != 0 && total_mib >= opt.max_mib)
            break;

        unsigned long want = opt.step_mib;
        if (opt.max_mib != 0 && total_mib + want > opt.max_mib)
            want = opt.max_mib - total_mib;
        const std::size_t bytes = static_cast<std::size_t>(want) * kMiB;

        char *p = new (std::nothrow) char[bytes];
        if (p == nullptr) {
            std::fprintf(stderr, "hungry: allocation of %lu MiB failed after %lu MiB\n", want, total_mib);
            return 1;
        }
        blocks.emplace_back(p);
        touch(p, bytes);
        total_mib += want;

        std::printf("hungry: allocated %lu MiB\n", total_mib);
        std::fflush(stdout);

        if (opt.max_mib != 0 && total_mib >= opt.max_mib)
            break;
        if (opt.interval_ms > 0)
            sleep_ms(opt.interval_ms);
    }

    std::printf("hungry: reached %lu MiB, holding\n", total_mib);
    std::fflush(stdout);
    for (;;)
        pause();
}
