/*
 * cli.c - messages, number parsing, training options, model search and
 * progress for the spytag program.
 */
#include "cli.h"
#include "jsonline.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
    fputs("spytag: ", stderr);
    if (kind)
        fputs(kind, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(NULL, fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

void cli_liberror(const spytag_error *err, int status)
{
    if (err->file[0] && err->line > 0)
        cli_error("%s:%ld: %s", err->file, err->line, err->message);
    else if (err->file[0])
        cli_error("%s: %s", err->file, err->message);
    else if (err->message[0])
        cli_error("%s", err->message);
    else
        cli_error("%s", spytag_strerror(status));
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("spytag: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'spytag %s --help' for more information.\n",
            cmd ? cmd : "");
    return EXIT_USAGE;
}

int cli_bad_option(const char *cmd, int ch, int argc, char *const *argv,
                   const struct option *lo, int before)
{
    char name[64];
    const char *a = optind > before && optind <= argc ? argv[optind - 1] : "";
    if (strncmp(a, "--", 2) == 0) {      /* a long option, up to any '=' */
        size_t n = strcspn(a, "="), matches = 0;
        const struct option *o, *hit = NULL;
        for (o = lo; o && o->name; o++)
            if (strncmp(o->name, a + 2, n - 2) == 0) {
                if (strlen(o->name) == n - 2) {  /* exact: no ambiguity */
                    hit = o;
                    matches = 1;
                    break;
                }
                matches++;
                hit = o;
            }
        if (matches == 1)                /* named in full, as getopt would */
            snprintf(name, sizeof name, "--%.60s", hit->name);
        else
            snprintf(name, sizeof name, "%.*s", (int)(n < 60 ? n : 60), a);
        if (ch == ':')
            return cli_usage_error(cmd, "option '%s' needs a value", name);
        if (matches == 1)
            return cli_usage_error(cmd, "option '%s' takes no value", name);
        if (matches > 1)
            return cli_usage_error(cmd, "ambiguous option '%s'", name);
        return cli_usage_error(cmd, "unknown option '%s'", name);
    }
    /* a short one, maybe in a cluster */
    snprintf(name, sizeof name, "-%c", optopt > 32 && optopt < 127 ? optopt
                                                                   : '?');
    if (ch == ':')
        return cli_usage_error(cmd, "option '%s' needs a value", name);
    return cli_usage_error(cmd, "unknown option '%s'", name);
}

/* 1 when s is written as a plain decimal number: an optional '-', digits,
 * and with frac a fraction and an exponent ("2", "-0.5", "1e-3", ".5"):
 * strtol and strtod take more (leading white space of any kind, '+', hex,
 * "inf", "nan"), which a command line should not. */
static int plain_decimal(const char *s, int frac)
{
    size_t digits = 0;
    if (*s == '-')
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        digits++;
    if (frac && *s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits++;
    if (!digits)
        return 0;
    if (frac && (*s == 'e' || *s == 'E')) {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

int cli_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    if (!s || !plain_decimal(s, 0))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v;
    if (!s || !plain_decimal(s, 1))
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* The training options that take a value, for their messages. */
static const struct {
    int c;
    const char *name, *range;
} train_values[] = {
    { 1000, "--ngram", "1 or 2" },
    { 1001, "--min-df", "1 or more" },
    { 1002, "--max-df", "above 0, at most 1" },
    { 1007, "--solver", "dcd, liblinear or libsvm" },
    { 'C', "--cost", "1e-6 to 1e6" },
    { 1009, "--tune-folds", "0, or 2 to 20" },
    { 1015, "--tune-method", "auto, folds or loo" },
    { 1012, "--seed", "0 or more" },
    { 'j', "--jobs", "1 to 64" },
};

int cli_train_option(const char *cmd, int c, const char *arg,
                     spytag_options *o)
{
    long l;
    double d;
    size_t k;
    switch (c) {
    case 1000:
        if (cli_parse_long(arg, 1, 2, &l))
            goto bad;
        o->ngram_max = (int)l;
        return 0;
    case 1001:
        if (cli_parse_long(arg, 1, INT_MAX, &l))
            goto bad;
        o->min_df = (int)l;
        return 0;
    case 1002:
        if (cli_parse_double(arg, 1e-9, 1.0, &d))
            goto bad;
        o->max_df = d;
        return 0;
    case 1003: o->stem = 1; return 0;
    case 1004: o->stem = 0; return 0;
    case 1005: o->stopwords = 1; return 0;
    case 1006: o->stopwords = 0; return 0;
    case 1007:
        if (strcmp(arg, "dcd") == 0)
            o->solver = SPYTAG_SOLVER_DCD;
        else if (strcmp(arg, "liblinear") == 0)
            o->solver = SPYTAG_SOLVER_LIBLINEAR;
        else if (strcmp(arg, "libsvm") == 0)
            o->solver = SPYTAG_SOLVER_LIBSVM;
        else
            goto bad;
        return 0;
    case 'C':
        if (cli_parse_double(arg, 1e-6, 1e6, &d))
            goto bad;
        o->C = d;
        return 0;
    case 1008: o->balanced = 1; return 0;
    case 1013: o->nb = 1; return 0;
    case 1014: o->nb = 0; return 0;
    case 1009:
        if (cli_parse_long(arg, 0, 20, &l) || l == 1)
            goto bad;
        o->tune_folds = (int)l;
        return 0;
    case 1015:
        if (strcmp(arg, "auto") == 0)
            o->tune_method = SPYTAG_AUTO;
        else if (strcmp(arg, "folds") == 0)
            o->tune_method = SPYTAG_TUNE_FOLDS;
        else if (strcmp(arg, "loo") == 0)
            o->tune_method = SPYTAG_TUNE_LOO;
        else
            goto bad;
        return 0;
    case 1010: o->multiclass = 0; return 0;
    case 1011: o->multiclass = 1; return 0;
    case 1012:
        if (cli_parse_long(arg, 0, LONG_MAX, &l))
            goto bad;
        o->seed = (unsigned long)l;
        return 0;
    case 'j':
        if (cli_parse_long(arg, 1, 64, &l))
            goto bad;
        o->threads = (int)l;
        return 0;
    default:
        return 1;
    }
bad:
    for (k = 0; train_values[k].c != c; k++)
        ;
    cli_usage_error(cmd, "invalid %s '%s' (%s)", train_values[k].name, arg,
                    train_values[k].range);
    return -1;
}

int cli_train_check(const char *cmd, spytag_options *o)
{
    if (o->solver != SPYTAG_SOLVER_DCD && o->tune_method == SPYTAG_TUNE_LOO)
        return cli_usage_error(cmd, "--tune-method loo needs --solver dcd");
    if (o->solver != SPYTAG_SOLVER_DCD && o->nb == 1)
        return cli_usage_error(cmd, "--nb needs --solver dcd");
    if (o->nb < 0)
        o->nb = 1;                      /* the library's default */
    return 0;
}

void cli_train_defaults(spytag_options *o)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    spytag_options_init(o);
    o->threads = n < 1 ? 1 : (n > 64 ? 64 : (int)n);
    o->nb = -1;                         /* not given: cli_train_check */
}

#ifndef SPYTAG_BUILD_MODEL
#define SPYTAG_BUILD_MODEL "models/spytag.model"
#endif
#ifndef SPYTAG_DATA_MODEL
#define SPYTAG_DATA_MODEL "/usr/local/share/spytag/spytag.model"
#endif
#ifndef SPYTAG_BUILD_EXE
#define SPYTAG_BUILD_EXE ""
#endif
#ifndef SPYTAG_PREFIX
#define SPYTAG_PREFIX "/usr/local"
#endif
#ifndef SPYTAG_BINDIR
#define SPYTAG_BINDIR SPYTAG_PREFIX "/bin"
#endif

/* The shipped model of an installed tree that was moved, or installed with
 * DESTDIR or another prefix: when the program is P/BIN/spytag, with BIN
 * the configured bindir relative to the configured prefix, the model is
 * P/DATA, with DATA likewise (P/share/spytag/spytag.model by default).
 * Fills buf and returns 1 when that file is readable, else returns 0. */
static int model_beside_program(const char *exe, char *buf, size_t cap)
{
    size_t np = strlen(SPYTAG_PREFIX), nb, ndir;
    const char *bin, *data, *slash = strrchr(exe, '/');

    if (!slash || strncmp(SPYTAG_BINDIR, SPYTAG_PREFIX, np) != 0 ||
        strncmp(SPYTAG_DATA_MODEL, SPYTAG_PREFIX, np) != 0)
        return 0;
    bin = &SPYTAG_BINDIR[np];
    data = &SPYTAG_DATA_MODEL[np];
    nb = strlen(bin);
    ndir = (size_t)(slash - exe);
    if (bin[0] != '/' || data[0] != '/' || ndir < nb ||
        strncmp(exe + ndir - nb, bin, nb) != 0)
        return 0;
    if ((size_t)snprintf(buf, cap, "%.*s%s", (int)(ndir - nb), exe, data)
        >= cap)
        return 0;
    return access(buf, R_OK) == 0;
}

const char *cli_model_path(const char *given)
{
    static char beside[4096 + 512];
    const char *env;
    char exe[4096];
    ssize_t n;
    int in_build_tree = 0;

    if (given)
        return given;
    env = getenv("SPYTAG_MODEL");
    if (env && *env)
        return env;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        in_build_tree = strcmp(exe, SPYTAG_BUILD_EXE) == 0;
    }
    if (in_build_tree)
        return access(SPYTAG_BUILD_MODEL, R_OK) == 0 ? SPYTAG_BUILD_MODEL
                                                     : SPYTAG_DATA_MODEL;
    if (n > 0 && model_beside_program(exe, beside, sizeof beside))
        return beside;
    return access(SPYTAG_DATA_MODEL, R_OK) == 0 ? SPYTAG_DATA_MODEL
                                                : SPYTAG_BUILD_MODEL;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *p, int force_on, int force_off)
{
    p->on = force_off ? 0 : (force_on || isatty(STDERR_FILENO));
    p->last = 0;
    p->stage[0] = '\0';
    p->dirty = 0;
}

void cli_progress_update(cli_progress *p, const char *stage, size_t done,
                         size_t total)
{
    double now;
    if (!p->on)
        return;
    now = cli_now();
    /* at most 5 updates a second, but every new stage at once */
    if (now - p->last < 0.2 && done != total &&
        strncmp(p->stage, stage, sizeof p->stage - 1) == 0)
        return;
    p->last = now;
    snprintf(p->stage, sizeof p->stage, "%s", stage);
    if (total) {
        int width = 30, fill = (int)((double)width * (double)done /
                                     (double)total);
        fprintf(stderr, "\r%-10s [%.*s%*s] %zu/%zu", stage, fill,
                "##############################", width - fill, "", done,
                total);
    } else {
        fprintf(stderr, "\r%-10s %zu", stage, done);
    }
    p->dirty = 1;
}

void cli_progress_done(cli_progress *p)
{
    if (p->on && p->dirty)
        fputs("\r\033[K", stderr);
    p->dirty = 0;
}

void cli_progress_cb(void *user, const char *stage, size_t done, size_t total)
{
    cli_progress_update(user, stage, done, total);
}

int cli_finish_stdout(int code)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("error writing to standard output: %s", strerror(errno));
        return EXIT_FATAL;
    }
    if (fclose(stdout) != 0) {
        cli_error("error writing to standard output: %s", strerror(errno));
        return EXIT_FATAL;
    }
    return code;
}

void cli_buf_put(cli_buf *b, const void *s, size_t n)
{
    if (b->oom || n == 0)
        return;
    if (b->cap - b->n < n) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;
        while (cap - b->n < n)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

void cli_buf_puts(cli_buf *b, const char *s)
{
    cli_buf_put(b, s, strlen(s));
}

void cli_buf_free(cli_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void cli_json_string(cli_buf *b, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    cli_buf_putc(b, '"');
    while (i < len) {
        unsigned char c = s[i];
        size_t k;
        if (c == '"' || c == '\\') {
            cli_buf_putc(b, '\\');
            cli_buf_putc(b, (char)c);
            i++;
        } else if (c < 0x20) {
            char esc[8];
            switch (c) {
            case '\n': cli_buf_puts(b, "\\n"); break;
            case '\t': cli_buf_puts(b, "\\t"); break;
            case '\r': cli_buf_puts(b, "\\r"); break;
            default:
                snprintf(esc, sizeof esc, "\\u%04x", c);
                cli_buf_puts(b, esc);
                break;
            }
            i++;
        } else if (c < 0x80) {
            size_t j = i + 1;          /* a run of plain ASCII */
            while (j < len && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' &&
                   s[j] != '\\')
                j++;
            cli_buf_put(b, s + i, j - i);
            i = j;
        } else if ((k = jl_utf8_seq(s + i, len - i)) != 0) {
            cli_buf_put(b, s + i, k);
            i += k;
        } else {
            cli_buf_puts(b, "\xef\xbf\xbd");       /* U+FFFD */
            i++;
        }
    }
    cli_buf_putc(b, '"');
}
