/*
 * cmd_classify.c - spytag classify: tag files, folders, JSON Lines files
 * and standard input, in input order, in batches over N threads.
 *
 * Inputs are turned into a stream of items (one per document or JSON
 * line).  Items are gathered into batches, numbered in input order.  Each
 * of N threads (the main thread and N - 1 workers, each with its own
 * spytag_classifier on the one shared model) reads a batch, tags it and
 * writes its answers when its number comes up, so -j N gives the same
 * bytes as -j 1 (see struct pool).  With one thread a batch is a single
 * item, tagged and answered before the next is read.
 *
 * A JSON Lines stream on standard input is a filter: standard output is
 * flushed before every read that may wait, and a batch ends where the
 * input has nothing more ready, so every answer is out before the program
 * waits for more lines, whatever -j.  Memory is bounded by the batches,
 * two a thread: nothing is kept once it is written.
 */
#include "cli.h"
#include "jsonline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: spytag classify [OPTIONS] [INPUT ...]\n"
    "Tag each document with its topics.  INPUT is a file, a folder (walked\n"
    "recursively in sorted order, regular files only), a .jsonl file (one\n"
    "{\"id\", \"text\", ...} object per line) or '-' for standard input\n"
    "(the default).  Output is in input order.\n\n"
    "  -m, --model MODEL   model file (default: $SPYTAG_MODEL, else the\n"
    "                      model shipped with spytag)\n"
    "  -f, --format FMT    tsv (default): name<TAB>topics<TAB>topic=score...\n"
    "                      json: one {\"id\", \"labels\", \"scores\"} per line\n"
    "      --jsonl         read standard input as JSON Lines and write JSON\n"
    "                      Lines (a stream filter: fields pass through but\n"
    "                      \"text\" and our labels, scores, explain, error;\n"
    "                      a bad line gets an \"error\" field)\n"
    "  -j, --jobs N        classify with N threads (default 1)\n"
    "      --min-score X   assign the topics whose score is at least X\n"
    "                      (default: the thresholds tuned at training)\n"
    "      --top N         assign at most the N best topics\n"
    "      --no-scores     leave the scores out\n"
    "      --explain[=K]   show the K terms (default 5) behind each topic\n"
    "  -q, --quiet         no progress\n"
    "      --progress      show progress even when stderr is not a terminal\n"
    "  -h, --help          show this help\n\n" EXIT_CODES_HELP;

enum { OPT_JSONL = 2000, OPT_MIN_SCORE, OPT_TOP, OPT_NO_SCORES, OPT_EXPLAIN,
       OPT_PROGRESS };

static const struct option longopts[] = {
    { "model", required_argument, NULL, 'm' },
    { "format", required_argument, NULL, 'f' },
    { "jsonl", no_argument, NULL, OPT_JSONL },
    { "jobs", required_argument, NULL, 'j' },
    { "min-score", required_argument, NULL, OPT_MIN_SCORE },
    { "top", required_argument, NULL, OPT_TOP },
    { "no-scores", no_argument, NULL, OPT_NO_SCORES },
    { "explain", optional_argument, NULL, OPT_EXPLAIN },
    { "quiet", no_argument, NULL, 'q' },
    { "progress", no_argument, NULL, OPT_PROGRESS },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

#define MAX_JOBS 256
/* The batches of all threads hold BATCH_ITEMS items in all, at least
 * BATCH_MIN each; a batch also ends after BATCH_BYTES of text (so that
 * the threads get shares of similar work, and long lines take little
 * memory), or before a line that would wait. */
#define BATCH_ITEMS 512
#define BATCH_MIN 8
#define BATCH_BYTES (1u << 20)

struct settings {
    const spytag_model *m;
    size_t T;
    int json, scores, threads;
    double min_score;         /* < 0: use the model's own choice */
    long top;                 /* 0: no limit */
    long explain;             /* terms per topic, 0: off */
};

/* One document to tag: a file's text, or a JSON line, which the worker
 * that classifies it parses (so that -j N spreads the parsing too).  The
 * buffers of an item (out, scores...) are kept from batch to batch. */
enum { ITEM_FILE, ITEM_LINE, ITEM_FAILED };

struct item {
    int kind;
    char *name;               /* ITEM_FILE, ITEM_FAILED: path or FILE:LINE */
    char *text;               /* ITEM_FILE: the document (malloc'ed) */
    size_t len;
    const char *src;          /* ITEM_LINE, ITEM_FAILED: the file (borrowed) */
    long lineno;
    const char *line;         /* ITEM_LINE: the raw line, NUL-terminated,
                                 in its batch's text (borrowed) */
    size_t lineoff, linelen;  /* where in the batch's text, how long */
    char *error;              /* why it could not be tagged, or NULL */
    char *report;             /* its stderr message (with the error), or NULL */
    double *scores;
    unsigned char *tags;
    uint32_t *ex_feat;        /* explain: T x K features */
    double *ex_val;
    size_t *ex_n;             /* per topic */
    cli_buf out;              /* its answer, formatted by the thread
                                 that tags it */
};

/* Buffers kept for the next item are let go when they grew past this, so
 * that the batches keep at most BATCH_ITEMS x 64 KiB (32 MiB) of answers
 * between them (more with over 32 threads), besides the lines in flight
 * (BATCH_BYTES and a line a batch, whose buffer is let go past
 * KEEP_TEXT_BYTES). */
#define KEEP_BYTES (64u << 10)
#define KEEP_TEXT_BYTES (4u << 20)

static void item_clear(struct item *it)
{
    free(it->name);
    free(it->text);
    free(it->error);
    free(it->report);
    it->name = it->text = it->error = it->report = NULL;
    it->line = NULL;
    it->len = it->lineoff = it->linelen = 0;
    it->kind = ITEM_FILE;
    it->out.n = 0;
    it->out.oom = 0;
    if (it->out.cap > KEEP_BYTES)
        cli_buf_free(&it->out);
}

static void item_free(struct item *it)
{
    item_clear(it);
    cli_buf_free(&it->out);
    free(it->scores);
    free(it->tags);
    free(it->ex_n);
    free(it->ex_feat);
    free(it->ex_val);
}

/* ---- input sources ------------------------------------------------------ */

/* An input, or one that failed as the inputs were listed (a missing file,
 * a broken link, a folder that cannot be read), which becomes a failed
 * item in its place, so that its message and its JSON answer come in
 * input order. */
struct source {
    char *path;               /* "-" for standard input */
    int jsonl;
    char *error;              /* why it failed (the JSON answer), or NULL */
    char *report;             /* its stderr message, or NULL */
};

struct sources {
    struct source *v;
    size_t n, cap;
};

static int add_source(struct sources *s, const char *path, int jsonl)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct source *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    if (!(s->v[s->n].path = strdup(path)))
        return -1;
    s->v[s->n].jsonl = jsonl;
    s->v[s->n].error = s->v[s->n].report = NULL;
    s->n++;
    return 0;
}

/* Adds a failed input: path, why it failed, and its message ("FMT" with
 * the path and why).  0, or -1 when out of memory. */
static int add_failed(struct sources *s, const char *path, const char *why,
                      const char *fmt)
{
    struct source *v;
    size_t n = strlen(fmt) + strlen(path) + strlen(why) + 1;
    if (add_source(s, path, 0) != 0)
        return -1;
    v = &s->v[s->n - 1];
    v->error = strdup(why);
    v->report = malloc(n);
    if (!v->error || !v->report)
        return -1;
    snprintf(v->report, n, fmt, path, why);
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the regular files below dir, recursively, in sorted order.  Broken
 * links and unreadable entries become failed inputs (add_failed); FIFOs,
 * sockets and devices are skipped with a warning. */
static int walk(struct sources *s, const char *dir, int depth)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;

    if (depth > 64)
        return add_failed(s, dir, "folders nested too deeply",
                          "'%s': %s; skipped");
    d = opendir(dir);
    if (!d)
        return add_failed(s, dir, strerror(errno),
                          "cannot open folder '%s': %s");
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nv = realloc(names, nc * sizeof *nv);
            if (!nv) {
                rc = -1;
                break;
            }
            names = nv;
            cap = nc;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == 0 && n > 0)
        qsort(names, n, sizeof *names, cmp_name);
    for (i = 0; i < n && rc == 0; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *p = malloc(len);
        struct stat st;
        if (!p) {
            rc = -1;
            break;
        }
        snprintf(p, len, "%s%s%s", dir,
                 dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
        if (lstat(p, &st) != 0) {
            rc = add_failed(s, p, strerror(errno), "cannot open '%s': %s");
        } else if (S_ISLNK(st.st_mode) && stat(p, &st) != 0) {
            char why[300];
            snprintf(why, sizeof why, "%s (broken link)", strerror(errno));
            rc = add_failed(s, p, why, "cannot open '%s': %s");
        } else if (S_ISDIR(st.st_mode)) {
            struct stat lst;
            if (lstat(p, &lst) == 0 && S_ISLNK(lst.st_mode))
                cli_warn("skipping '%s': link to a folder", p);
            else
                rc = walk(s, p, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            rc = add_source(s, p, ends_with(p, ".jsonl"));
        } else {
            cli_warn("skipping '%s': not a regular file", p);
        }
        free(p);
    }
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* ---- reading --------------------------------------------------------------- */

/* Reads all of fd, up to SPYTAG_MAX_DOC_BYTES.  Returns 0, or an errno
 * value (EFBIG when too large). */
static int read_all(int fd, char **out, size_t *outlen)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        ssize_t k;
        if (len + 65536 > cap) {
            size_t nc = cap ? cap * 2 : 65536 * 2;
            char *nb;
            if (len > SPYTAG_MAX_DOC_BYTES) {
                free(buf);
                return EFBIG;
            }
            nb = realloc(buf, nc + 1);
            if (!nb) {
                free(buf);
                return ENOMEM;
            }
            buf = nb;
            cap = nc;
        }
        k = read(fd, buf + len, cap - len);
        if (k < 0) {
            int e = errno;
            if (e == EINTR)
                continue;
            free(buf);
            return e;
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    if (len > SPYTAG_MAX_DOC_BYTES) {
        free(buf);
        return EFBIG;
    }
    *out = buf;
    *outlen = len;
    return 0;
}

/* Line input straight from a file descriptor: read(2) returns what a pipe
 * has, so a stream filter answers each line as soon as it arrives (stdio's
 * fread would wait for a full buffer), and memchr finds line ends even in
 * lines that hold NUL bytes. */
struct lines {
    int fd;
    char chunk[1 << 16];
    size_t pos, len;
    int eof;
    int stream;               /* standard input: answer all before a read
                                 that would wait */
    /* A line begun by a call that then stopped, since the rest had not
     * come (read_line with may_wait 0): the next call goes on with it. */
    int carrying;
    char *carry;              /* its bytes (unless too long) */
    size_t carry_n, carry_cap;
    int carry_toolong;
};

/* Closes in (not standard input) and frees it; NULL is allowed. */
static void lines_close(struct lines *in)
{
    if (!in)
        return;
    if (in->fd != STDIN_FILENO)
        close(in->fd);
    free(in->carry);
    free(in);
}

/* Whether the next read of in would wait: standard input with nothing
 * left in the chunk, not at its end, and nothing ready (a pipe or a
 * terminal; a regular file is always ready) within ms milliseconds.  If
 * poll fails, it says so, which at worst makes answers go out early. */
static int lines_would_wait(const struct lines *in, int ms)
{
    struct pollfd pf;
    if (!in->stream || in->pos < in->len || in->eof)
        return 0;
    pf.fd = in->fd;
    pf.events = POLLIN;
    pf.revents = 0;
    return poll(&pf, 1, ms) <= 0;
}

/* How long a reader that must not wait gives a pipe to deliver more
 * before it stops: a producer that writes as fast as we read (`cat`)
 * leaves its pipe empty for microseconds at a time, and stopping there
 * made `cat file | spytag classify --jsonl -j 2` 20% slower. */
#define GRACE_MS 1

/* Makes room for need bytes in *buf (of *cap bytes); -1 when out of
 * memory. */
static int room_for(char **buf, size_t *cap, size_t need)
{
    size_t nc = *cap ? *cap : 65536;
    char *nb;
    if (need <= *cap)
        return 0;
    while (nc < need)
        nc *= 2;
    nb = realloc(*buf, nc);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = nc;
    return 0;
}

/* Reads a line of any length up to SPYTAG_MAX_LINE_BYTES into *buf at
 * offset at (NUL added; CR before LF dropped), growing *buf (of *cap
 * bytes) as needed.  Returns its length, -1 at the end, -2 when too long
 * (the line is consumed), -3 when out of memory, -4 on a read error
 * (errno set), and -5, with may_wait 0, where a read would wait: what
 * came of the line is kept for the next call.  Before a read that waits,
 * standard output is flushed. */
static long read_line(struct lines *in, char **buf, size_t *cap, size_t at,
                      int may_wait)
{
    size_t n = 0;
    int toolong = 0, any = 0;
    if (in->carrying) {
        if (!in->carry_toolong) {
            if (room_for(buf, cap, at + in->carry_n + 2) != 0)
                return -3;
            memcpy(*buf + at, in->carry, in->carry_n);
            n = in->carry_n;
        }
        toolong = in->carry_toolong;
        any = 1;
        in->carrying = 0;
        if (in->carry_cap > KEEP_TEXT_BYTES) {
            free(in->carry);
            in->carry = NULL;
            in->carry_cap = 0;
        }
    }
    for (;;) {
        const char *nl;
        size_t k;
        if (in->pos == in->len) {
            ssize_t got;
            if (in->eof)
                break;
            if (!may_wait && lines_would_wait(in, GRACE_MS)) {
                if (any && !toolong) {
                    if (room_for(&in->carry, &in->carry_cap, n + 1) != 0)
                        return -3;
                    memcpy(in->carry, *buf + at, n);
                }
                in->carrying = any;
                in->carry_n = toolong ? 0 : n;
                in->carry_toolong = toolong;
                return -5;
            }
            if (may_wait && lines_would_wait(in, 0))
                fflush(stdout);        /* answer all before waiting */
            got = read(in->fd, in->chunk, sizeof in->chunk);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0)
                return -4;
            if (got == 0) {
                in->eof = 1;
                break;
            }
            in->pos = 0;
            in->len = (size_t)got;
        }
        any = 1;
        nl = memchr(in->chunk + in->pos, '\n', in->len - in->pos);
        k = (nl ? (size_t)(nl - in->chunk) : in->len) - in->pos;
        if (!toolong) {
            if (n + k > SPYTAG_MAX_LINE_BYTES) {
                toolong = 1;
            } else {
                if (room_for(buf, cap, at + n + k + 2) != 0)
                    return -3;
                memcpy(*buf + at + n, in->chunk + in->pos, k);
                n += k;
            }
        }
        in->pos += k;
        if (nl) {
            in->pos++;                 /* the newline */
            break;
        }
    }
    if (!any)
        return -1;
    if (toolong)
        return -2;
    if (room_for(buf, cap, at + n + 1) != 0)  /* an empty line */
        return -3;
    if (n && (*buf)[at + n - 1] == '\r')
        n--;
    (*buf)[at + n] = '\0';
    return (long)n;
}

/* ---- the reader: sources -> items --------------------------------------- */

struct reader {
    struct sources *src;
    size_t next;              /* next source */
    struct lines *jf;         /* open JSON Lines source, or NULL */
    const char *jname;
    long jline;
};

static void out_of_memory(void)
{
    cli_error("out of memory");
    exit(EXIT_FATAL);
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        out_of_memory();
    return p;
}

static char *fmt_name(const char *file, long line)
{
    size_t n = strlen(file) + 24;
    char *s = malloc(n);
    if (!s)
        out_of_memory();
    snprintf(s, n, "%s:%ld", file, line);
    return s;
}

/* Gives the item at it->src, it->lineno its error, why, and the report
 * "FILE:LINE: why" and then more. */
static void set_line_error(struct item *it, const char *why, const char *more)
{
    size_t n = strlen(it->src) + strlen(why) + strlen(more) + 32;
    it->error = xstrdup(why);
    it->report = malloc(n);
    if (!it->report)
        out_of_memory();
    snprintf(it->report, n, "%s:%ld: %s%s", it->src, it->lineno, why, more);
}

/* Makes it a failed item named by file and line (see set_line_error). */
static void fail_line(struct item *it, const char *file, long line,
                      const char *why, const char *more)
{
    it->kind = ITEM_FAILED;
    it->src = file;
    it->lineno = line;
    it->name = fmt_name(file, line);
    set_line_error(it, why, more);
}

/* Makes it a failed input named path: why for its JSON answer, report
 * for stderr. */
static void fail_input(struct item *it, const char *path, const char *why,
                       const char *report)
{
    it->kind = ITEM_FAILED;
    it->name = xstrdup(path);
    it->error = xstrdup(why);
    it->report = xstrdup(report);
}

/* The same for a file that open() refused (errno). */
static void fail_open(struct item *it, const char *path)
{
    const char *why = strerror(errno);
    size_t n = strlen(path) + strlen(why) + 32;
    char *msg = malloc(n);
    if (!msg)
        out_of_memory();
    snprintf(msg, n, "cannot open '%s': %s", path, why);
    fail_input(it, path, why, msg);
    free(msg);
}

/* Produces the next item into *it (cleared, buffers kept), a JSON line
 * at the end of tx, a batch's text (it->lineoff; it->line is set once the
 * batch is read, since tx may move meanwhile); returns 1, 0 at the end of
 * all input, or 2, with may_wait 0, where standard input has nothing more
 * ready (see read_line). */
static int next_item(struct reader *r, struct item *it, cli_buf *tx,
                     int may_wait)
{
    for (;;) {
        struct source *s;
        if (r->jf) {
            long n = read_line(r->jf, &tx->p, &tx->cap, tx->n, may_wait);
            if (n == -5)
                return 2;
            if (n == -1 || n == -4 || n == -3) {
                /* the end of the file; or the rest of it is lost, and a
                 * failed item takes the place of the line not read */
                char why[300];
                snprintf(why, sizeof why, "%s%s", n == -4 ? "read error: " : "",
                         n == -4 ? strerror(errno) : "out of memory");
                lines_close(r->jf);
                r->jf = NULL;
                if (n == -1)
                    continue;
                fail_line(it, r->jname, r->jline + 1, why,
                          "; the rest of the file is skipped");
                return 1;
            }
            r->jline++;
            if (n == -2) {
                char msg[80];
                snprintf(msg, sizeof msg, "line longer than %u bytes",
                         (unsigned)SPYTAG_MAX_LINE_BYTES);
                fail_line(it, r->jname, r->jline, msg, "; skipped");
                return 1;
            }
            if (strspn(tx->p + tx->n, " \t") == (size_t)n)
                continue;             /* blank line: not a record */
            it->kind = ITEM_LINE;
            it->lineoff = tx->n;
            it->linelen = (size_t)n;
            tx->n += (size_t)n + 1;
            it->src = r->jname;
            it->lineno = r->jline;
            return 1;
        }
        if (r->next >= r->src->n)
            return 0;
        s = &r->src->v[r->next++];
        if (s->error) {
            fail_input(it, s->path, s->error, s->report);
            return 1;
        }
        if (s->jsonl) {
            int fd = strcmp(s->path, "-") == 0 ? STDIN_FILENO
                                               : open(s->path, O_RDONLY);
            if (fd < 0) {
                fail_open(it, s->path);
                return 1;
            }
            r->jf = calloc(1, sizeof *r->jf);
            if (!r->jf)
                out_of_memory();
            r->jf->fd = fd;
            r->jf->stream = fd == STDIN_FILENO;
            r->jname = s->path;
            r->jline = 0;
            continue;
        } else {
            int fd = strcmp(s->path, "-") == 0 ? STDIN_FILENO
                                               : open(s->path, O_RDONLY);
            int e;
            if (fd < 0) {
                fail_open(it, s->path);
                return 1;
            }
            e = read_all(fd, &it->text, &it->len);
            if (fd != STDIN_FILENO)
                close(fd);
            it->kind = ITEM_FILE;
            it->name = xstrdup(s->path);
            if (e) {
                char msg[600];
                if (e == EFBIG)
                    snprintf(msg, sizeof msg, "'%s' is larger than %u bytes; "
                             "skipped", s->path,
                             (unsigned)SPYTAG_MAX_DOC_BYTES);
                else
                    snprintf(msg, sizeof msg, "cannot read '%s': %s", s->path,
                             strerror(e));
                it->kind = ITEM_FAILED;
                it->error = xstrdup(e == EFBIG ? "file too large"
                                               : strerror(e));
                it->report = xstrdup(msg);
            }
            return 1;
        }
    }
}

/* ---- classification and answers ---------------------------------------- */

/* A thread's own state: its classifier, JSON reader and scratch. */
struct worker_state {
    spytag_classifier *cl;
    jl_record rec;
    size_t *ord;              /* T + 1 entries */
};

static void classify_item(const struct settings *set, spytag_classifier *cl,
                          struct item *it, const char *text, size_t len)
{
    size_t T = set->T, t;
    spytag_classify(cl, text, len, it->scores, NULL, it->tags);
    /* --min-score replaces the model's choice, a multi-class model's
     * single best topic included, as the help says (--top 1 keeps one) */
    if (set->min_score >= 0)
        for (t = 0; t < T; t++)
            it->tags[t] = it->scores[t] >= set->min_score;
    if (set->top > 0) {
        size_t kept = 0;
        for (;;) {          /* keep the `top` best-scored tags */
            size_t best = T, cnt = 0;
            for (t = 0; t < T; t++)
                if (it->tags[t] == 1) {
                    cnt++;
                    if (best == T || it->scores[t] > it->scores[best])
                        best = t;
                }
            if (cnt == 0)
                break;
            if (kept < (size_t)set->top) {
                it->tags[best] = 2;          /* kept */
                kept++;
            } else {
                for (t = 0; t < T; t++)
                    if (it->tags[t] == 1)
                        it->tags[t] = 0;
            }
        }
        for (t = 0; t < T; t++)
            it->tags[t] = it->tags[t] == 2;
    }
    if (set->explain > 0)
        for (t = 0; t < T; t++)
            it->ex_n[t] = it->tags[t]
                              ? spytag_explain(cl, t, (size_t)set->explain,
                                               it->ex_feat + t * set->explain,
                                               it->ex_val + t * set->explain)
                              : 0;
}

static void tsv_field(cli_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\t')
            cli_buf_puts(b, "\\t");
        else if (*s == '\n')
            cli_buf_puts(b, "\\n");
        else if (*s == '\r')
            cli_buf_puts(b, "\\r");
        else if (*s == '\\')
            cli_buf_puts(b, "\\\\");
        else
            cli_buf_putc(b, *s);
    }
}

/* Writes a score in [0, 1] with four decimals, as printf's "%.4f" would,
 * without printf's cost (20 calls per document add up). */
static void put_score(cli_buf *b, double x)
{
    char s[6];
    long v = (long)(x * 10000.0 + 0.5);
    if (!(x > 0))
        v = 0;
    if (v >= 10000) {
        cli_buf_put(b, "1.0000", 6);
        return;
    }
    s[0] = '0';
    s[1] = '.';
    s[2] = (char)('0' + v / 1000);
    s[3] = (char)('0' + v / 100 % 10);
    s[4] = (char)('0' + v / 10 % 10);
    s[5] = (char)('0' + v % 10);
    cli_buf_put(b, s, 6);
}

/* Topic indices by descending score (ties by index). */
static void order_by_score(const double *s, size_t T, size_t *ord)
{
    size_t i, j;
    for (i = 0; i < T; i++) {
        size_t k = i;
        for (j = i; j > 0 && s[ord[j - 1]] < s[i]; j--)
            ord[j] = ord[j - 1];
        ord[j] = k;
    }
}

static void write_tsv(cli_buf *b, const struct settings *set,
                      const struct item *it, const char *name, size_t *ord)
{
    size_t T = set->T, t, i, first = 1;
    char buf[2 * SPYTAG_MAX_TOKEN_BYTES + 2], num[64];
    if (it->error)
        return;                       /* reported on stderr */
    tsv_field(b, name);
    cli_buf_putc(b, '\t');
    order_by_score(it->scores, T, ord);
    for (i = 0; i < T; i++)
        if (it->tags[ord[i]]) {
            if (!first)
                cli_buf_putc(b, ',');
            cli_buf_puts(b, spytag_model_topic(set->m, ord[i]));
            first = 0;
        }
    if (set->scores) {
        cli_buf_putc(b, '\t');
        for (i = 0; i < T; i++) {
            if (i)
                cli_buf_putc(b, ' ');
            cli_buf_puts(b, spytag_model_topic(set->m, ord[i]));
            cli_buf_putc(b, '=');
            put_score(b, it->scores[ord[i]]);
        }
    }
    if (set->explain > 0) {
        cli_buf_putc(b, '\t');
        first = 1;
        for (i = 0; i < T; i++) {
            t = ord[i];
            if (!it->tags[t])
                continue;
            if (!first)
                cli_buf_putc(b, ' ');
            cli_buf_puts(b, spytag_model_topic(set->m, t));
            cli_buf_putc(b, ':');
            first = 0;
            for (size_t k = 0; k < it->ex_n[t]; k++) {
                const char *term = spytag_model_term(
                    set->m, it->ex_feat[t * set->explain + k], buf, sizeof buf);
                const char *sp = strchr(term, ' ');
                if (k)
                    cli_buf_putc(b, ',');
                if (sp) {
                    /* a word pair: "word_word", since a space separates
                     * the topics of this column (no token holds a '_') */
                    cli_buf_put(b, term, (size_t)(sp - term));
                    cli_buf_putc(b, '_');
                    cli_buf_puts(b, sp + 1);
                } else {
                    cli_buf_puts(b, term);
                }
                snprintf(num, sizeof num, "=%.4f",
                         it->ex_val[t * set->explain + k]);
                cli_buf_puts(b, num);
            }
        }
    }
    cli_buf_putc(b, '\n');
}

/* The members of rec to pass through: all but "text" and the ones the
 * output sets, comma-separated; *has_id is set when "id" is among them. */
static void passthrough(cli_buf *b, const jl_record *rec, int *has_id)
{
    static const char *const ours[] = { "text", "labels", "scores",
                                        "explain", "error" };
    size_t k, j, n = 0;
    *has_id = 0;
    for (k = 0; k < rec->nmembers; k++) {
        const jl_member *m = &rec->members[k];
        for (j = 0; j < sizeof ours / sizeof ours[0]; j++)
            if (jl_key_is(m, ours[j]))
                break;
        if (j < sizeof ours / sizeof ours[0])
            continue;
        if (jl_key_is(m, "id"))
            *has_id = 1;
        if (n++)
            cli_buf_putc(b, ',');
        cli_buf_put(b, m->start, m->len);
    }
}

/* One JSON answer.  rec is the parsed line (NULL for a file or a line
 * that failed before parsing); its members other than ours pass
 * through. */
static void write_json(cli_buf *b, const struct settings *set,
                       const struct item *it, const char *name,
                       const jl_record *rec, size_t *ord)
{
    size_t T = set->T, i, t, first = 1, mark;
    char buf[2 * SPYTAG_MAX_TOKEN_BYTES + 2], num[64];
    const char *topic;
    int has_id = 0;

    cli_buf_putc(b, '{');
    mark = b->n;
    if (rec && rec->nmembers)
        passthrough(b, rec, &has_id);
    if (!has_id) {
        /* the id first: move what passed through behind it */
        cli_buf pass = { 0 };
        if (b->n > mark)
            cli_buf_put(&pass, b->p + mark, b->n - mark);
        b->n = mark;
        cli_buf_puts(b, "\"id\":");
        cli_json_string(b, name, strlen(name));
        if (pass.n) {
            cli_buf_putc(b, ',');
            cli_buf_put(b, pass.p, pass.n);
        }
        b->oom |= pass.oom;
        cli_buf_free(&pass);
    }
    if (it->error) {
        cli_buf_puts(b, ",\"error\":");
        cli_json_string(b, it->error, strlen(it->error));
        cli_buf_puts(b, "}\n");
        return;
    }
    order_by_score(it->scores, T, ord);
    cli_buf_puts(b, ",\"labels\":[");
    for (i = 0; i < T; i++)
        if (it->tags[ord[i]]) {
            topic = spytag_model_topic(set->m, ord[i]);
            if (!first)
                cli_buf_putc(b, ',');
            cli_json_string(b, topic, strlen(topic));
            first = 0;
        }
    cli_buf_putc(b, ']');
    if (set->scores) {
        cli_buf_puts(b, ",\"scores\":{");
        for (i = 0; i < T; i++) {
            topic = spytag_model_topic(set->m, ord[i]);
            if (i)
                cli_buf_putc(b, ',');
            cli_json_string(b, topic, strlen(topic));
            cli_buf_putc(b, ':');
            put_score(b, it->scores[ord[i]]);
        }
        cli_buf_putc(b, '}');
    }
    if (set->explain > 0) {
        cli_buf_puts(b, ",\"explain\":{");
        first = 1;
        for (i = 0; i < T; i++) {
            t = ord[i];
            if (!it->tags[t])
                continue;
            topic = spytag_model_topic(set->m, t);
            if (!first)
                cli_buf_putc(b, ',');
            first = 0;
            cli_json_string(b, topic, strlen(topic));
            cli_buf_puts(b, ":[");
            for (size_t k = 0; k < it->ex_n[t]; k++) {
                const char *term = spytag_model_term(
                    set->m, it->ex_feat[t * set->explain + k], buf, sizeof buf);
                cli_buf_puts(b, k ? ",[" : "[");
                cli_json_string(b, term, strlen(term));
                snprintf(num, sizeof num, ",%.4f]",
                         it->ex_val[t * set->explain + k]);
                cli_buf_puts(b, num);
            }
            cli_buf_putc(b, ']');
        }
        cli_buf_putc(b, '}');
    }
    cli_buf_puts(b, "}\n");
}

/* Tags an item and formats its answer into it->out: a JSON line is
 * parsed here first.  A line that fails gets its error and report. */
static void process_item(const struct settings *set, struct worker_state *ws,
                         struct item *it)
{
    const jl_record *rec = NULL;
    const char *name = it->name, *text = it->text;
    size_t len = it->len;
    char *made = NULL;

    if (it->kind == ITEM_LINE) {
        char msg[300];
        int ok = jl_parse(&ws->rec, it->line, it->linelen, msg,
                          sizeof msg) == 0;
        rec = &ws->rec;
        if (ok && !rec->text) {
            snprintf(msg, sizeof msg, "missing \"text\"");
            ok = 0;
        }
        name = rec->id_val ? rec->id_val
                           : (made = fmt_name(it->src, it->lineno));
        if (!ok) {
            set_line_error(it, msg, "");
            if (!rec->nmembers)
                rec = NULL;
        } else {
            text = rec->text_val;
            len = rec->text_len;
        }
    }
    if (!it->error)
        classify_item(set, ws->cl, it, text, len);
    if (set->json)
        write_json(&it->out, set, it, name, rec, ws->ord);
    else
        write_tsv(&it->out, set, it, name, ws->ord);
    free(made);
    if (it->out.oom)
        out_of_memory();
}

/* ---- batches and threads ------------------------------------------------- */

/* The items of one batch, and where it is in the order of the input. */
struct batch {
    struct item *items;
    /* The lines of its JSON items, one after another, each with its NUL:
     * one buffer, kept from batch to batch, so that its pages are
     * touched once rather than each item's own, and a thread reads the
     * lines of a batch from consecutive memory. */
    cli_buf text;
    size_t n;
    unsigned long seq;                /* its number, in input order */
    int full;                         /* read and tagged, not yet written */
};

/* The threads that tag: for -j N the main thread and N - 1 workers, each
 * with its own state and two batches.  A thread reads a batch, tags it
 * and writes its answers itself, so that a document, its vector and its
 * answer stay in the caches of one core.  (Before, the main thread read
 * and wrote every batch and the workers took its items, so half the
 * lines and their answers crossed between the cores' caches: with -j 2
 * the threads took 3% more CPU time for it; see the README.)
 *
 * Reading and writing go by turns, under p->lock: one thread reads at a
 * time, and the batch it reads takes the next number (read_seq); a batch
 * is written when its number comes up (write_seq), so the answers come
 * in input order whatever -j.  A thread whose batch must wait for an
 * earlier one to be written reads and tags its second batch meanwhile,
 * and writes the first between two items as soon as its turn comes;
 * with both batches waiting, it waits.
 *
 * Standard input is read without waiting while any batch read is not yet
 * written: a batch ends where the next read would wait (at a line, a
 * blank line or in the middle of one, which the next read goes on with),
 * and the next read that may wait comes when every batch read is written,
 * so that all answers are out before the program waits for more lines
 * (fill_batch, read_line).  A write error stops the threads: each
 * finishes what it is doing (a read, a batch) and then writes nothing
 * more, as a filter notices a closed output at its next write. */
struct pool {
    pthread_t th[MAX_JOBS];
    int nworkers;                     /* started: N - 1, or fewer */
    int go;                           /* all started: begin */
    struct worker_state *ws;          /* one per thread */
    struct batch *bt;                 /* two per thread */
    size_t batch_max;                 /* items a batch */
    const struct settings *set;
    struct reader *rd;                /* the reading thread's */
    cli_progress *prog;               /* the writing thread's */
    size_t done, tagged;
    int failed;
    pthread_mutex_t lock;
    pthread_cond_t turn;              /* a read or a write is done */
    int reading;                      /* a thread is reading */
    int ended;                        /* the input is all read */
    unsigned long read_seq;           /* the number of the next batch */
    atomic_ulong write_seq;           /* the next batch to write: changed
                                         under lock, also read without */
    int stop;                         /* a write failed */
    int write_errno;
};

struct worker_arg {
    struct pool *p;
    int id;
};

/* Whether the next item would wait for standard input to deliver more. */
static int would_wait(const struct reader *rd, int ms)
{
    return rd->jf && lines_would_wait(rd->jf, ms);
}

/* Reads up to max items (and BATCH_BYTES of input) into b.  Only its
 * first read may wait for standard input, and only with may_wait (when
 * every answer before it is written); the batch ends before any other
 * read that would wait, so that answers do not wait for lines that have
 * not come yet (nor for the rest of a line).  Returns 1 when all input is
 * read (b may hold items), else 0 (b may be empty, with may_wait 0). */
static int fill_batch(struct reader *rd, struct batch *b, size_t max,
                      int may_wait)
{
    size_t bytes = 0, k;
    int got = 1;
    b->text.n = 0;
    for (b->n = 0; b->n < max && bytes < BATCH_BYTES; b->n++) {
        struct item *it = &b->items[b->n];
        got = next_item(rd, it, &b->text, may_wait && b->n == 0);
        if (got != 1)
            break;
        bytes += it->len + it->linelen;
    }
    for (k = 0; k < b->n; k++)
        if (b->items[k].kind == ITEM_LINE)
            b->items[k].line = b->text.p + b->items[k].lineoff;
    return got == 0;
}

/* Writes b's answers and reports in order, counts them in p, and empties
 * b; -1 on a write error (errno set), after which nothing more is
 * written or reported, as with -j 1.  Only on b's turn. */
static int write_batch(struct pool *p, struct batch *b)
{
    size_t k;
    for (k = 0; k < b->n; k++) {
        struct item *it = &b->items[k];
        if (it->report)
            cli_error("%s", it->report);
        if (it->error)
            p->failed++;
        else
            p->tagged++;
        if (it->out.n)              /* (nothing for a failed TSV item) */
            fwrite(it->out.p, 1, it->out.n, stdout);
        item_clear(it);
        if (ferror(stdout))
            return -1;
    }
    p->done += b->n;
    b->n = 0;
    if (b->text.cap > KEEP_TEXT_BYTES)
        cli_buf_free(&b->text);
    cli_progress_update(p->prog, "classify", p->done, 0);
    return 0;
}

/* Writes b, whose turn it is (without p->lock), and passes the turn on
 * (with it); -1 when the write failed, which stops the threads. */
static int write_turn(struct pool *p, struct batch *b)
{
    int rc = write_batch(p, b), e = errno;
    pthread_mutex_lock(&p->lock);
    b->full = 0;
    if (rc != 0) {
        p->write_errno = e;
        p->stop = 1;
    } else {
        atomic_store(&p->write_seq, b->seq + 1);
    }
    pthread_cond_broadcast(&p->turn);
    pthread_mutex_unlock(&p->lock);
    return rc;
}

/* Thread id's share of the work, until the input is all read and its
 * batches written, or a write fails. */
static void run_thread(struct pool *p, int id)
{
    struct worker_state *ws = &p->ws[id];
    struct batch *mine = &p->bt[2 * id], *b, *other;
    size_t k;
    int may_wait, end;

    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        /* a batch of ours whose turn it is: write it */
        b = mine[0].full && mine[0].seq == p->write_seq ? &mine[0]
            : mine[1].full && mine[1].seq == p->write_seq ? &mine[1] : NULL;
        if (b) {
            pthread_mutex_unlock(&p->lock);
            if (write_turn(p, b) != 0)
                return;
            pthread_mutex_lock(&p->lock);
            continue;
        }
        if (p->ended && !mine[0].full && !mine[1].full)
            break;
        /* read when we have room and nobody else reads; with nothing
         * ready, only once every batch read is written (fill_batch) */
        b = !mine[0].full ? &mine[0] : !mine[1].full ? &mine[1] : NULL;
        if (!b || p->ended || p->reading) {
            pthread_cond_wait(&p->turn, &p->lock);
            continue;
        }
        if (p->write_seq != p->read_seq && would_wait(p->rd, 0)) {
            /* nothing ready yet: a moment's grace (holding the turn to
             * read, not the lock), then wait for the answers to go out */
            int idle;
            p->reading = 1;
            pthread_mutex_unlock(&p->lock);
            idle = would_wait(p->rd, GRACE_MS);
            pthread_mutex_lock(&p->lock);
            p->reading = 0;
            pthread_cond_broadcast(&p->turn);
            if (idle && p->write_seq != p->read_seq)
                pthread_cond_wait(&p->turn, &p->lock);
            continue;
        }
        p->reading = 1;
        b->seq = p->read_seq;
        may_wait = p->write_seq == p->read_seq;
        pthread_mutex_unlock(&p->lock);
        end = fill_batch(p->rd, b, p->batch_max, may_wait);
        pthread_mutex_lock(&p->lock);
        p->reading = 0;
        if (end)
            p->ended = 1;
        if (b->n > 0)
            p->read_seq++;
        pthread_cond_broadcast(&p->turn);
        if (b->n == 0)
            continue;
        pthread_mutex_unlock(&p->lock);

        /* tag it; between items, write the other batch once its turn
         * comes */
        other = b == &mine[0] ? &mine[1] : &mine[0];
        for (k = 0; k < b->n; k++) {
            process_item(p->set, ws, &b->items[k]);
            if (other->full && atomic_load(&p->write_seq) == other->seq &&
                write_turn(p, other) != 0)
                return;
        }
        pthread_mutex_lock(&p->lock);
        b->full = 1;
    }
    pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
    struct worker_arg *wa = arg;
    struct pool *p = wa->p;

    pthread_mutex_lock(&p->lock);
    while (!p->go)
        pthread_cond_wait(&p->turn, &p->lock);
    pthread_mutex_unlock(&p->lock);
    run_thread(p, wa->id);
    return NULL;
}

/* ---- the command ------------------------------------------------------------ */

/* stdout's buffer (glibc ignores the size asked for without one); static,
 * since stdout may be flushed at exit, after cmd_classify returns */
static char out_buf[64 << 10];

int cmd_classify(int argc, char **argv)
{
    struct settings set;
    struct sources src = { 0 };
    struct reader rd;
    struct batch *bt = NULL;
    struct pool pool;
    int pool_ready = 0;
    spytag_model *m = NULL;
    spytag_error err;
    cli_progress prog;
    const char *model = NULL;
    long jobs = 1;
    int before;
    int ch, jsonl = 0, fmt_given = 0, quiet = 0, force = 0, rc, i;
    int code = EXIT_FATAL, nws = 0, nbt = 0;
    size_t k, batch_max = 0;
    struct worker_arg wa[MAX_JOBS];

    memset(&set, 0, sizeof set);
    memset(&pool, 0, sizeof pool);
    memset(&rd, 0, sizeof rd);
    set.min_score = -1;
    set.scores = 1;
    optind = 1;
    while ((before = optind,
            ch = getopt_long(argc, argv, ":m:f:j:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'm':
            if (!*optarg)
                return cli_usage_error("classify", "empty --model");
            model = optarg;
            break;
        case 'f':
            fmt_given = 1;
            if (strcmp(optarg, "json") == 0)
                set.json = 1;
            else if (strcmp(optarg, "tsv") == 0)
                set.json = 0;
            else
                return cli_usage_error("classify", "invalid --format '%s' "
                                       "(tsv or json)", optarg);
            break;
        case OPT_JSONL: jsonl = 1; break;
        case 'j':
            if (cli_parse_long(optarg, 1, MAX_JOBS, &jobs))
                return cli_usage_error("classify", "invalid --jobs '%s' "
                                       "(1 to %d)", optarg, MAX_JOBS);
            break;
        case OPT_MIN_SCORE:
            if (cli_parse_double(optarg, 0.0, 1.0, &set.min_score))
                return cli_usage_error("classify", "invalid --min-score '%s' "
                                       "(0 to 1)", optarg);
            break;
        case OPT_TOP:
            if (cli_parse_long(optarg, 1, 1000000, &set.top))
                return cli_usage_error("classify", "invalid --top '%s'",
                                       optarg);
            break;
        case OPT_NO_SCORES: set.scores = 0; break;
        case OPT_EXPLAIN:
            set.explain = 5;
            if (optarg && cli_parse_long(optarg, 1, 1000, &set.explain))
                return cli_usage_error("classify", "invalid --explain '%s'",
                                       optarg);
            break;
        case 'q': quiet = 1; break;
        case OPT_PROGRESS: force = 1; break;
        case 'h':
            fputs(usage_text, stdout);
            return cli_finish_stdout(EXIT_OK);
        case ':':
        case '?':
            return cli_bad_option("classify", ch, argc, argv,
                                  longopts, before);
        default:
            return cli_usage_error("classify", "unknown option");
        }
    }
    if (jsonl && !fmt_given)
        set.json = 1;
    if (jsonl && optind < argc)
        for (i = optind; i < argc; i++)
            if (strcmp(argv[i], "-") != 0)
                return cli_usage_error("classify", "--jsonl reads standard "
                                       "input; name no INPUT");

    memset(&err, 0, sizeof err);
    model = cli_model_path(model);
    rc = spytag_model_load(model, &m, &err);
    if (rc != SPYTAG_OK) {
        cli_liberror(&err, rc);
        return EXIT_FATAL;
    }
    set.m = m;
    set.T = spytag_model_ntopics(m);
    set.threads = (int)jobs;

    /* the inputs */
    if (optind == argc) {
        if (add_source(&src, "-", jsonl) != 0)
            goto oom;
    }
    for (i = optind; i < argc; i++) {
        struct stat st;
        const char *p = argv[i];
        if (strcmp(p, "-") == 0) {
            if (add_source(&src, "-", jsonl) != 0)
                goto oom;
        } else if (stat(p, &st) != 0) {
            if (add_failed(&src, p, strerror(errno), "cannot open '%s': %s"))
                goto oom;
        } else if (S_ISDIR(st.st_mode)) {
            if (walk(&src, p, 0) != 0)
                goto oom;
        } else if (add_source(&src, p, ends_with(p, ".jsonl")) != 0) {
            goto oom;
        }
    }

    /* two batches and a worker state for each thread */
    batch_max = 1;
    if (jobs > 1)
        batch_max = BATCH_ITEMS / 2 / (size_t)jobs < BATCH_MIN
                        ? BATCH_MIN : BATCH_ITEMS / 2 / (size_t)jobs;
    bt = calloc(2 * (size_t)jobs, sizeof *bt);
    pool.ws = calloc((size_t)jobs, sizeof *pool.ws);
    if (!bt || !pool.ws)
        goto oom;
    for (nbt = 0; nbt < 2 * jobs; nbt++) {
        struct batch *b = &bt[nbt];
        b->items = calloc(batch_max, sizeof *b->items);
        if (!b->items)
            goto oom;
        for (k = 0; k < batch_max; k++) {
            struct item *it = &b->items[k];
            it->scores = malloc((set.T + 1) * sizeof *it->scores);
            it->tags = malloc(set.T + 1);
            it->ex_n = calloc(set.T + 1, sizeof *it->ex_n);
            it->ex_feat = malloc(set.T * (size_t)(set.explain + 1) *
                                 sizeof *it->ex_feat);
            it->ex_val = malloc(set.T * (size_t)(set.explain + 1) *
                                sizeof *it->ex_val);
            if (!it->scores || !it->tags || !it->ex_n || !it->ex_feat ||
                !it->ex_val) {
                nbt++;               /* (its items are freed) */
                goto oom;
            }
        }
    }
    for (nws = 0; nws < jobs; nws++) {
        struct worker_state *ws = &pool.ws[nws];
        ws->cl = spytag_classifier_new(m);
        ws->ord = malloc((set.T + 1) * sizeof *ws->ord);
        if (!ws->cl || !ws->ord) {
            spytag_classifier_free(ws->cl);
            free(ws->ord);
            goto oom;
        }
    }

    /* Answers to a file or a pipe go out 64 KiB at a time rather than in
     * stdio's 4 KiB (a stream is still flushed before each read that
     * could wait); a terminal keeps its line buffering.  (So stderr's
     * reports, unbuffered, may run up to 64 KiB ahead of the answers
     * when both go to one file, as they could before by 4 KiB.) */
    if (!isatty(STDOUT_FILENO))
        (void)setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
    rd.src = &src;
    cli_progress_init(&prog, force, quiet);
    pool.set = &set;
    pool.rd = &rd;
    pool.prog = &prog;
    pool.bt = bt;
    pool.batch_max = batch_max;
    pthread_mutex_init(&pool.lock, NULL);
    pthread_cond_init(&pool.turn, NULL);
    pool_ready = 1;
    /* the workers wait until all are started (a thread that cannot be
     * started leaves fewer) */
    for (i = 0; i < jobs - 1; i++) {
        wa[i].p = &pool;
        wa[i].id = i;
        if (pthread_create(&pool.th[i], NULL, worker, &wa[i]) != 0)
            break;
        pool.nworkers = i + 1;
    }
    if (pool.nworkers == 0) {
        /* one thread: no turns to take */
        struct batch *b = &bt[0];
        int end;
        do {
            end = fill_batch(&rd, b, batch_max, 1);
            for (k = 0; k < b->n; k++)
                process_item(&set, &pool.ws[0], &b->items[k]);
            if (write_batch(&pool, b) != 0)
                goto write_error;
        } while (!end);
    } else {
        pthread_mutex_lock(&pool.lock);
        pool.go = 1;
        pthread_cond_broadcast(&pool.turn);
        pthread_mutex_unlock(&pool.lock);
        run_thread(&pool, pool.nworkers);
        for (i = 0; i < pool.nworkers; i++)
            pthread_join(pool.th[i], NULL);
        if (pool.stop) {
            errno = pool.write_errno;
            goto write_error;
        }
    }
    cli_progress_done(&prog);
    code = pool.failed ? EXIT_SOME_FAILED : EXIT_OK;
    if (pool.failed)
        cli_error("%d input%s failed; %zu document%s tagged", pool.failed,
                  pool.failed == 1 ? "" : "s", pool.tagged,
                  pool.tagged == 1 ? "" : "s");
    code = cli_finish_stdout(code);
    goto cleanup;
write_error:
    cli_error("error writing to standard output: %s", strerror(errno));
    code = EXIT_FATAL;
    goto cleanup;
oom:
    cli_error("out of memory");
    code = EXIT_FATAL;
cleanup:
    for (i = 0; i < nbt; i++) {
        if (!bt[i].items)
            continue;
        for (k = 0; k < batch_max; k++)
            item_free(&bt[i].items[k]);
        free(bt[i].items);
        cli_buf_free(&bt[i].text);
    }
    free(bt);
    if (pool.ws) {
        for (i = 0; i < nws; i++) {
            spytag_classifier_free(pool.ws[i].cl);
            free(pool.ws[i].ord);
            jl_record_free(&pool.ws[i].rec);
        }
        free(pool.ws);
    }
    if (pool_ready) {
        pthread_mutex_destroy(&pool.lock);
        pthread_cond_destroy(&pool.turn);
    }
    for (k = 0; k < src.n; k++) {
        free(src.v[k].path);
        free(src.v[k].error);
        free(src.v[k].report);
    }
    free(src.v);
    lines_close(rd.jf);
    spytag_model_free(m);
    return code;
}
