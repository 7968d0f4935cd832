// hungry: eats memory until the container's memory limit stops it.
//
//   hungry [--count N]                              the seed's way
//   hungry [--step MiB] [--interval ms] [--max MiB]  step by step
//
// With no options it does what the seed's hungry did: 100 million `new int`,
// never freed, as fast as it can (each one a 32-byte heap chunk that malloc
// writes, so all of it, about 3 GiB, is really charged to the cgroup), then
// prints "I am done" and exits 0, if it is still alive. --count changes how
// many.
//
// Any of --step, --interval or --max makes it eat step by step instead, so a
// container's memory can be watched as it fills up: a block of --step MiB
// every --interval ms, every page written to (untouched allocations would
// cost nothing), an "allocated N MiB" line after each, flushed at once. With
// --max, it stops at that size, prints "reached N MiB, holding" and holds
// the memory until killed.

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

constexpr unsigned long kSeedCount = 100000000; // the seed's 100 million ints

struct Options {
    bool stepped = false; // any of --step, --interval, --max given
    unsigned long count = kSeedCount;
    bool count_given = false;
    unsigned long step_mib = 4;
    unsigned long interval_ms = 100;
    unsigned long max_mib = 0; // 0 = no limit
};

constexpr const char *kSynopsis = "usage: hungry [--count N] | [--step MiB] [--interval ms] [--max MiB]\n";

void print_usage(std::FILE *to)
{
    std::fputs(kSynopsis, to);
    std::fprintf(to,
        "  with no options: %lu x new int, never freed, then \"I am done\"\n"
        "  --count N       that many new int instead (at least 1)\n"
        "  any of these eats step by step instead:\n"
        "  --step MiB      memory added per step (default 4, at least 1)\n"
        "  --interval ms   pause between steps (default 100)\n"
        "  --max MiB       stop at this size and hold it (default 0 = never stop)\n",
        kSeedCount);
}

[[noreturn]] void usage_error(const std::string &why)
{
    std::fprintf(stderr, "hungry: %s\n%s", why.c_str(), kSynopsis);
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
        if (name == "--count") {
            target = &opt.count;
            opt.count_given = true;
        } else if (name == "--step") {
            target = &opt.step_mib;
            opt.stepped = true;
        } else if (name == "--interval") {
            target = &opt.interval_ms;
            opt.stepped = true;
        } else if (name == "--max") {
            target = &opt.max_mib;
            opt.stepped = true;
        } else {
            usage_error("unknown option '" + arg + "'");
        }

        if (value == nullptr) {
            if (i + 1 >= argc)
                usage_error("option '" + name + "' needs a value");
            value = argv[++i];
        }
        if (!parse_number(value, *target))
            usage_error("bad value '" + std::string(value) + "' for " + name);
    }

    if (opt.count_given && opt.stepped)
        usage_error("--count is for the seed's way, --step, --interval and --max for step by step: give one or the other");
    if (opt.count == 0)
        usage_error("--count must be at least 1");
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

// The seed's hungry: many tiny allocations, never freed.
int eat_like_the_seed(unsigned long count)
{
    for (unsigned long i = 0; i < count; ++i) {
        int *p = new (std::nothrow) int(static_cast<int>(i));
        if (p == nullptr) {
            std::fprintf(stderr, "hungry: new int failed after %lu of them\n", i);
            return 1;
        }
        // The pointer escapes, so the compiler cannot drop the allocation.
        asm volatile("" : : "r"(p) : "memory");
    }
    std::printf("I am done\n");
    return std::fflush(stdout) == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    const Options opt = parse_options(argc, argv);
    if (!opt.stepped)
        return eat_like_the_seed(opt.count);

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
