/*
 * cmd_classify.c - spytag classify: tag files, folders, JSON Lines files
 * and standard input, in input order, in batches over N threads.
 *
 * Inputs are turned into a stream of items (one per document or JSON
 * line).  Items are gathered into a batch, classified by the worker
 * threads (each with its own spytag_classifier on the one shared model),
 * and written in input order, so -j N gives the same bytes as -j 1.  Two
 * batches take turns: while the workers classify one, the main thread
 * writes the other and reads the next.  With one thread a batch is a
 * single item, classified and written on the main thread.
 *
 * A JSON Lines stream on standard input is a filter: standard output is
 * flushed before every read that may wait, and a batch ends where the
 * input has nothing more ready, so every answer is out before the program
 * waits for more lines, whatever -j.  Memory is bounded by the two
 * batches: nothing is kept once it is written.
 */
#include "cli.h"
#include "jsonline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
    "                      Lines (a stream filter: fields other than \"text\"\n"
    "                      pass through; a bad line gets an \"error\" field)\n"
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
#define BATCH_ITEMS 256
#define BATCH_BYTES (32u << 20)

struct settings {
    const spytag_model *m;
    size_t T;
    int json, scores, threads;
    double min_score;         /* < 0: use the model's own choice */
    long top;                 /* 0: no limit */
    long explain;             /* terms per topic, 0: off */
};

/* One document to tag. */
struct item {
    char *name;               /* display name: path, id or FILE:LINE */
    char *text;
    size_t len;
    char *pass;               /* JSON Lines input members to pass through
                                 (raw, comma-separated), or NULL */
    int has_id;               /* pass holds an "id" member */
    char *error;              /* why it could not be tagged, or NULL */
    double *scores;
    unsigned char *tags;
    uint32_t *ex_feat;        /* explain: T x K features */
    double *ex_val;
    size_t *ex_n;             /* per topic */
    char *out;                /* its output, formatted by a worker, or NULL */
    size_t outlen;
};

static void item_clear(struct item *it)
{
    free(it->name);
    free(it->text);
    free(it->error);
    free(it->pass);
    free(it->out);
    it->name = it->text = it->error = it->pass = it->out = NULL;
    it->has_id = 0;
    it->len = it->outlen = 0;
}

/* ---- input sources ------------------------------------------------------ */

struct source {
    char *path;               /* "-" for standard input */
    int jsonl;
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
    s->n++;
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
 * links and unreadable entries are reported and counted in *failed;
 * FIFOs, sockets and devices are skipped with a warning. */
static int walk(struct sources *s, const char *dir, int *failed, int depth)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;

    if (depth > 64) {
        cli_error("'%s': folders nested too deeply; skipped", dir);
        (*failed)++;
        return 0;
    }
    d = opendir(dir);
    if (!d) {
        cli_error("cannot open folder '%s': %s", dir, strerror(errno));
        (*failed)++;
        return 0;
    }
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
            cli_error("cannot open '%s': %s", p, strerror(errno));
            (*failed)++;
        } else if (S_ISLNK(st.st_mode) && stat(p, &st) != 0) {
            cli_error("cannot open '%s': %s (broken link)", p,
                      strerror(errno));
            (*failed)++;
        } else if (S_ISDIR(st.st_mode)) {
            struct stat lst;
            if (lstat(p, &lst) == 0 && S_ISLNK(lst.st_mode))
                cli_warn("skipping '%s': link to a folder", p);
            else
                rc = walk(s, p, failed, depth + 1);
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
    int stream;               /* standard input: flush stdout before read */
};

/* Reads a line of any length up to SPYTAG_MAX_LINE_BYTES into *buf (NUL
 * added; CR before LF dropped).  Returns its length, -1 at the end, -2 when
 * too long (the line is consumed), -3 when out of memory, -4 on a read
 * error (errno set). */
static long read_line(struct lines *in, char **buf, size_t *cap)
{
    size_t n = 0;
    int toolong = 0, any = 0;
    for (;;) {
        const char *nl;
        size_t k;
        if (in->pos == in->len) {
            ssize_t got;
            if (in->eof)
                break;
            if (in->stream)            /* answer all before waiting */
                fflush(stdout);
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
                if (n + k + 2 > *cap) {
                    size_t nc = *cap ? *cap : 65536;
                    char *nb;
                    while (nc < n + k + 2)
                        nc *= 2;
                    nb = realloc(*buf, nc);
                    if (!nb)
                        return -3;
                    *buf = nb;
                    *cap = nc;
                }
                memcpy(*buf + n, in->chunk + in->pos, k);
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
    if (n + 1 > *cap) {                /* an empty first line */
        char *nb = realloc(*buf, 64);
        if (!nb)
            return -3;
        *buf = nb;
        *cap = 64;
    }
    if (n && (*buf)[n - 1] == '\r')
        n--;
    (*buf)[n] = '\0';
    return (long)n;
}

/* ---- the reader: sources -> items --------------------------------------- */

struct reader {
    struct sources *src;
    size_t next;              /* next source */
    struct lines *jf;         /* open JSON Lines source, or NULL */
    const char *jname;
    long jline;
    char *line;
    size_t linecap;
    jl_record rec;
    int failed;               /* inputs that failed */
};

static char *fmt_name(const char *file, long line)
{
    size_t n = strlen(file) + 24;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s:%ld", file, line);
    return s;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p) {
        cli_error("out of memory");
        exit(EXIT_FATAL);
    }
    return p;
}

/* The members of r to pass through: all but "text" and the ones the
 * output sets; NULL when none. */
static char *passthrough(const jl_record *r, int *has_id)
{
    static const char *const ours[] = { "text", "labels", "scores",
                                        "explain", "error" };
    size_t k, j, n = 0;
    char *p;
    *has_id = 0;
    for (k = 0; k < r->nmembers; k++)
        n += r->members[k].len + 1;
    p = malloc(n + 1);
    if (!p) {
        cli_error("out of memory");
        exit(EXIT_FATAL);
    }
    n = 0;
    for (k = 0; k < r->nmembers; k++) {
        const jl_member *m = &r->members[k];
        for (j = 0; j < sizeof ours / sizeof ours[0]; j++)
            if (jl_key_is(m, ours[j]))
                break;
        if (j < sizeof ours / sizeof ours[0])
            continue;
        if (jl_key_is(m, "id"))
            *has_id = 1;
        if (n)
            p[n++] = ',';
        memcpy(p + n, m->start, m->len);
        n += m->len;
    }
    p[n] = '\0';
    if (n == 0) {
        free(p);
        return NULL;
    }
    return p;
}

/* Fills *it from one JSON line; sets it->error on a bad line. */
static void parse_json_line(struct reader *r, const char *line, size_t len,
                            struct item *it)
{
    char msg[300];
    jl_record *rec = &r->rec;
    int ok = jl_parse(rec, line, len, msg, sizeof msg) == 0;

    if (ok && !rec->text) {
        snprintf(msg, sizeof msg, "missing \"text\"");
        ok = 0;
    }
    if (rec->id_val)
        it->name = xstrdup(rec->id_val);
    if (ok || rec->nmembers)
        it->pass = passthrough(rec, &it->has_id);
    if (!it->name)
        it->name = fmt_name(r->jname, r->jline);
    if (ok) {
        it->len = rec->text_len;
        it->text = malloc(it->len + 1);
        if (!it->text) {
            cli_error("out of memory");
            exit(EXIT_FATAL);
        }
        memcpy(it->text, rec->text_val, it->len + 1);
        return;
    }
    cli_error("%s:%ld: %s", r->jname, r->jline, msg);
    it->error = xstrdup(msg);
    r->failed++;
}

/* Produces the next item; returns 0 at the end of all input. */
static int next_item(struct reader *r, struct item *it)
{
    memset(it, 0, sizeof *it);
    for (;;) {
        struct source *s;
        if (r->jf) {
            long n = read_line(r->jf, &r->line, &r->linecap);
            if (n == -1 || n == -4 || n == -3) {
                if (n == -4) {
                    cli_error("%s:%ld: read error: %s", r->jname, r->jline + 1,
                              strerror(errno));
                    r->failed++;
                } else if (n == -3) {
                    cli_error("%s:%ld: out of memory", r->jname, r->jline + 1);
                    r->failed++;
                }
                if (r->jf->fd != STDIN_FILENO)
                    close(r->jf->fd);
                free(r->jf);
                r->jf = NULL;
                continue;
            }
            r->jline++;
            if (n == -2) {
                char msg[64];
                snprintf(msg, sizeof msg, "line longer than %u bytes",
                         (unsigned)SPYTAG_MAX_LINE_BYTES);
                cli_error("%s:%ld: %s; skipped", r->jname, r->jline, msg);
                it->name = fmt_name(r->jname, r->jline);
                it->error = xstrdup(msg);
                r->failed++;
                return 1;
            }
            if (strspn(r->line, " \t") == (size_t)n)
                continue;             /* blank line: not a record */
            parse_json_line(r, r->line, (size_t)n, it);
            return 1;
        }
        if (r->next >= r->src->n)
            return 0;
        s = &r->src->v[r->next++];
        if (s->jsonl) {
            int fd = strcmp(s->path, "-") == 0 ? STDIN_FILENO
                                               : open(s->path, O_RDONLY);
            if (fd < 0) {
                cli_error("cannot open '%s': %s", s->path, strerror(errno));
                r->failed++;
                continue;
            }
            r->jf = calloc(1, sizeof *r->jf);
            if (!r->jf) {
                cli_error("out of memory");
                exit(EXIT_FATAL);
            }
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
                cli_error("cannot open '%s': %s", s->path, strerror(errno));
                r->failed++;
                continue;
            }
            e = read_all(fd, &it->text, &it->len);
            if (fd != STDIN_FILENO)
                close(fd);
            if (e) {
                if (e == EFBIG)
                    cli_error("'%s' is larger than %u bytes; skipped", s->path,
                              (unsigned)SPYTAG_MAX_DOC_BYTES);
                else
                    cli_error("cannot read '%s': %s", s->path, strerror(e));
                r->failed++;
                it->name = xstrdup(s->path);
                it->error = xstrdup(e == EFBIG ? "file too large"
                                               : strerror(e));
                return 1;
            }
            it->name = xstrdup(s->path);
            return 1;
        }
    }
}

/* ---- classification workers -------------------------------------------- */

/* The items of one batch and the topic arrays they are classified into. */
struct batch {
    struct item *items;
    size_t n;
};

/* The worker threads, which live for the whole command: the main thread
 * hands them a batch (pool_start) and, while they classify it, writes the
 * previous batch and reads the next one (pool_wait collects it). */
struct pool {
    pthread_t th[MAX_JOBS];
    int nthreads;
    spytag_classifier **cls;          /* one per thread */
    size_t **ord;                     /* per thread: scratch for output */
    const struct settings *set;
    pthread_mutex_t lock;
    pthread_cond_t work, done;
    struct batch *b;                  /* the batch being classified */
    size_t next;                      /* its next item to claim */
    int busy;                         /* threads still on it */
    unsigned long gen;                /* bumped per batch handed out */
    int quit;
};

static void classify_item(const struct settings *set, spytag_classifier *cl,
                          struct item *it)
{
    size_t T = set->T, t;
    if (it->error)
        return;
    spytag_classify(cl, it->text, it->len, it->scores, NULL, it->tags);
    if (set->min_score >= 0) {
        if (spytag_model_multiclass(set->m)) {
            for (t = 0; t < T; t++)
                if (it->tags[t] && it->scores[t] < set->min_score)
                    it->tags[t] = 0;
        } else {
            for (t = 0; t < T; t++)
                it->tags[t] = it->scores[t] >= set->min_score;
        }
    }
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

static void write_tsv(FILE *f, const struct settings *set,
                      const struct item *it, size_t *ord);
static void write_json(FILE *f, const struct settings *set,
                       const struct item *it, size_t *ord);

/* Classifies an item and formats its output into it->out, so that the
 * main thread only has to copy it out (it->out stays NULL when memory ran
 * short: the main thread then formats it itself). */
static void classify_format(const struct settings *set,
                            spytag_classifier *cl, size_t *ord,
                            struct item *it)
{
    FILE *f;
    classify_item(set, cl, it);
    f = open_memstream(&it->out, &it->outlen);
    if (!f)
        return;
    if (set->json)
        write_json(f, set, it, ord);
    else
        write_tsv(f, set, it, ord);
    if (fclose(f) != 0) {
        free(it->out);
        it->out = NULL;
        it->outlen = 0;
    }
}

struct worker_arg {
    struct pool *p;
    int id;
};

static void *worker(void *arg)
{
    struct worker_arg *wa = arg;
    struct pool *p = wa->p;
    unsigned long seen = 0;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        struct batch *b;
        while (p->gen == seen && !p->quit)
            pthread_cond_wait(&p->work, &p->lock);
        if (p->quit)
            break;
        seen = p->gen;
        b = p->b;
        while (p->next < b->n) {
            size_t i = p->next++;
            pthread_mutex_unlock(&p->lock);
            classify_format(p->set, p->cls[wa->id], p->ord[wa->id],
                            &b->items[i]);
            pthread_mutex_lock(&p->lock);
        }
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Hands b to the workers; with no threads, classifies it here. */
static void pool_start(struct pool *p, struct batch *b)
{
    size_t k;
    if (p->nthreads == 0) {
        for (k = 0; k < b->n; k++)
            classify_item(p->set, p->cls[0], &b->items[k]);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->b = b;
    p->next = 0;
    p->busy = p->nthreads;
    p->gen++;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
}

/* Waits until the batch handed out last is classified. */
static void pool_wait(struct pool *p)
{
    if (p->nthreads == 0)
        return;
    pthread_mutex_lock(&p->lock);
    while (p->busy > 0)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

/* Stops and joins the threads. */
static void pool_stop(struct pool *p)
{
    int i;
    if (p->nthreads == 0)
        return;
    pthread_mutex_lock(&p->lock);
    p->quit = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (i = 0; i < p->nthreads; i++)
        pthread_join(p->th[i], NULL);
    p->nthreads = 0;
}

/* ---- output --------------------------------------------------------------- */

static void tsv_field(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\t')
            fputs("\\t", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\r')
            fputs("\\r", f);
        else if (*s == '\\')
            fputs("\\\\", f);
        else
            putc(*s, f);
    }
}

/* Writes a score in [0, 1] with four decimals, as fprintf(f, "%.4f") would,
 * without printf's cost (20 calls per document add up). */
static void put_score(FILE *f, double x)
{
    char b[7];
    long v = (long)(x * 10000.0 + 0.5);
    if (!(x > 0))
        v = 0;
    if (v >= 10000) {
        fputs("1.0000", f);
        return;
    }
    b[0] = '0';
    b[1] = '.';
    b[2] = (char)('0' + v / 1000);
    b[3] = (char)('0' + v / 100 % 10);
    b[4] = (char)('0' + v / 10 % 10);
    b[5] = (char)('0' + v % 10);
    b[6] = '\0';
    fputs(b, f);
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

static void write_tsv(FILE *f, const struct settings *set,
                      const struct item *it, size_t *ord)
{
    size_t T = set->T, t, i, first = 1;
    char buf[2 * SPYTAG_MAX_TOKEN_BYTES + 2];
    if (it->error)
        return;                       /* reported on stderr */
    tsv_field(f, it->name);
    putc('\t', f);
    order_by_score(it->scores, T, ord);
    for (i = 0; i < T; i++)
        if (it->tags[ord[i]]) {
            fprintf(f, "%s%s", first ? "" : ",", spytag_model_topic(set->m, ord[i]));
            first = 0;
        }
    if (set->scores) {
        putc('\t', f);
        for (i = 0; i < T; i++) {
            if (i)
                putc(' ', f);
            fputs(spytag_model_topic(set->m, ord[i]), f);
            putc('=', f);
            put_score(f, it->scores[ord[i]]);
        }
    }
    if (set->explain > 0) {
        putc('\t', f);
        first = 1;
        for (i = 0; i < T; i++) {
            t = ord[i];
            if (!it->tags[t])
                continue;
            fprintf(f, "%s%s:", first ? "" : " ", spytag_model_topic(set->m, t));
            first = 0;
            for (size_t k = 0; k < it->ex_n[t]; k++) {
                const char *term = spytag_model_term(
                    set->m, it->ex_feat[t * set->explain + k], buf, sizeof buf);
                fprintf(f, "%s%s=%.4f", k ? "," : "", term,
                       it->ex_val[t * set->explain + k]);
            }
        }
    }
    putc('\n', f);
}

static void write_json(FILE *f, const struct settings *set,
                       const struct item *it, size_t *ord)
{
    size_t T = set->T, i, t, first = 1;
    char buf[2 * SPYTAG_MAX_TOKEN_BYTES + 2];
    const char *topic;

    putc('{', f);
    if (!it->has_id) {
        fputs("\"id\":", f);
        cli_json_string(f, it->name, strlen(it->name));
        if (it->pass)
            putc(',', f);
    }
    if (it->pass)
        fputs(it->pass, f);
    if (it->error) {
        fputs(",\"error\":", f);
        cli_json_string(f, it->error, strlen(it->error));
        fputs("}\n", f);
        return;
    }
    order_by_score(it->scores, T, ord);
    fputs(",\"labels\":[", f);
    for (i = 0; i < T; i++)
        if (it->tags[ord[i]]) {
            topic = spytag_model_topic(set->m, ord[i]);
            if (!first)
                putc(',', f);
            cli_json_string(f, topic, strlen(topic));
            first = 0;
        }
    putc(']', f);
    if (set->scores) {
        fputs(",\"scores\":{", f);
        for (i = 0; i < T; i++) {
            topic = spytag_model_topic(set->m, ord[i]);
            if (i)
                putc(',', f);
            cli_json_string(f, topic, strlen(topic));
            putc(':', f);
            put_score(f, it->scores[ord[i]]);
        }
        putc('}', f);
    }
    if (set->explain > 0) {
        fputs(",\"explain\":{", f);
        first = 1;
        for (i = 0; i < T; i++) {
            t = ord[i];
            if (!it->tags[t])
                continue;
            topic = spytag_model_topic(set->m, t);
            if (!first)
                putc(',', f);
            first = 0;
            cli_json_string(f, topic, strlen(topic));
            fputs(":[", f);
            for (size_t k = 0; k < it->ex_n[t]; k++) {
                const char *term = spytag_model_term(
                    set->m, it->ex_feat[t * set->explain + k], buf, sizeof buf);
                fprintf(f, "%s[", k ? "," : "");
                cli_json_string(f, term, strlen(term));
                fprintf(f, ",%.4f]", it->ex_val[t * set->explain + k]);
            }
            putc(']', f);
        }
        putc('}', f);
    }
    fputs("}\n", f);
}

/* Whether the next item would wait for standard input to deliver more. */
static int would_wait(const struct reader *rd)
{
    const struct lines *in = rd->jf;
    return in && in->stream && in->pos == in->len && !in->eof;
}

/* Reads up to max items (and BATCH_BYTES of text) into b.  From a stream,
 * a batch also ends where the input has nothing more ready, so that
 * answers do not wait for lines that have not come yet. */
static void fill_batch(struct reader *rd, struct batch *b, size_t max)
{
    size_t bytes = 0;
    for (b->n = 0; b->n < max && bytes < BATCH_BYTES; b->n++) {
        if (b->n > 0 && would_wait(rd))
            break;
        struct item *it = &b->items[b->n];
        double *sc = it->scores;
        unsigned char *tg = it->tags;
        uint32_t *ef = it->ex_feat;
        double *ev = it->ex_val;
        size_t *en = it->ex_n;
        struct item fresh;
        if (!next_item(rd, &fresh))
            break;
        *it = fresh;
        it->scores = sc;
        it->tags = tg;
        it->ex_feat = ef;
        it->ex_val = ev;
        it->ex_n = en;
        bytes += it->len;
    }
}

/* Writes b's answers in order and empties it; -1 on a write error (errno
 * set). */
static int write_batch(const struct settings *set, struct batch *b,
                       size_t *ord, size_t *tagged, size_t *done,
                       cli_progress *prog)
{
    size_t k;
    for (k = 0; k < b->n; k++) {
        struct item *it = &b->items[k];
        *tagged += !it->error;
        if (it->out)               /* formatted by a worker */
            fwrite(it->out, 1, it->outlen, stdout);
        else if (set->json)
            write_json(stdout, set, it, ord);
        else
            write_tsv(stdout, set, it, ord);
        item_clear(it);
    }
    *done += b->n;
    b->n = 0;
    if (ferror(stdout))
        return -1;
    cli_progress_update(prog, "classify", *done, 0);
    return 0;
}

/* ---- the command ------------------------------------------------------------ */

int cmd_classify(int argc, char **argv)
{
    struct settings set;
    struct sources src = { 0 };
    struct reader rd;
    struct batch bt[2], *running = NULL;
    struct pool pool;
    int pool_ready = 0, cur = 0, j;
    spytag_model *m = NULL;
    spytag_error err;
    cli_progress prog;
    const char *model = NULL;
    long jobs = 1;
    int ch, jsonl = 0, fmt_given = 0, quiet = 0, force = 0, rc, i;
    int code = EXIT_FATAL, walk_failed = 0;
    size_t done = 0, tagged = 0, k, batch_max = 0, *ord = NULL;
    struct worker_arg wa[MAX_JOBS];

    memset(&set, 0, sizeof set);
    memset(bt, 0, sizeof bt);
    memset(&pool, 0, sizeof pool);
    memset(&rd, 0, sizeof rd);
    set.min_score = -1;
    set.scores = 1;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "m:f:j:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'm': model = optarg; break;
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
            cli_error("cannot open '%s': %s", p, strerror(errno));
            walk_failed++;
        } else if (S_ISDIR(st.st_mode)) {
            if (walk(&src, p, &walk_failed, 0) != 0)
                goto oom;
        } else if (add_source(&src, p, ends_with(p, ".jsonl")) != 0) {
            goto oom;
        }
    }

    /* two batches, so that one is written and the next read while the
     * workers classify the other, and the workers' classifiers */
    batch_max = jobs > 1 ? BATCH_ITEMS : 1;
    for (j = 0; j < 2; j++) {
        bt[j].items = calloc(batch_max, sizeof *bt[j].items);
        if (!bt[j].items)
            goto oom;
        for (k = 0; k < batch_max; k++) {
            struct item *it = &bt[j].items[k];
            it->scores = malloc(set.T * sizeof *it->scores);
            it->tags = malloc(set.T);
            it->ex_n = calloc(set.T, sizeof *it->ex_n);
            it->ex_feat = malloc(set.T * (size_t)(set.explain + 1) *
                                 sizeof *it->ex_feat);
            it->ex_val = malloc(set.T * (size_t)(set.explain + 1) *
                                sizeof *it->ex_val);
            if (!it->scores || !it->tags || !it->ex_n || !it->ex_feat ||
                !it->ex_val)
                goto oom;
        }
    }
    pool.cls = calloc((size_t)jobs, sizeof *pool.cls);
    pool.ord = calloc((size_t)jobs, sizeof *pool.ord);
    ord = malloc((set.T + 1) * sizeof *ord);
    if (!pool.cls || !pool.ord || !ord)
        goto oom;
    for (i = 0; i < jobs; i++)
        if (!(pool.cls[i] = spytag_classifier_new(m)) ||
            !(pool.ord[i] = malloc((set.T + 1) * sizeof *pool.ord[i])))
            goto oom;
    pool.set = &set;
    pthread_mutex_init(&pool.lock, NULL);
    pthread_cond_init(&pool.work, NULL);
    pthread_cond_init(&pool.done, NULL);
    pool_ready = 1;
    if (jobs > 1) {
        for (i = 0; i < jobs; i++) {
            wa[i].p = &pool;
            wa[i].id = i;
            if (pthread_create(&pool.th[i], NULL, worker, &wa[i]) != 0)
                break;
            pool.nthreads = i + 1;   /* 0 threads: pool_start works inline */
        }
    }

    rd.src = &src;
    cli_progress_init(&prog, force, quiet);
    for (;;) {
        struct batch *b = &bt[cur];
        if (running && would_wait(&rd)) {
            /* the input is slow: answer what is in before waiting */
            pool_wait(&pool);
            if (write_batch(&set, running, ord, &tagged, &done, &prog) != 0)
                goto write_error;
            running = NULL;
        }
        fill_batch(&rd, b, batch_max);
        if (pool.nthreads == 0) {
            /* one thread: classify and answer before reading on, so that a
             * stream gets each answer as soon as its line is in */
            if (b->n == 0)
                break;
            pool_start(&pool, b);
            if (write_batch(&set, b, ord, &tagged, &done, &prog) != 0)
                goto write_error;
            continue;
        }
        if (running)
            pool_wait(&pool);
        if (b->n > 0)
            pool_start(&pool, b);
        if (running &&
            write_batch(&set, running, ord, &tagged, &done, &prog) != 0)
            goto write_error;
        if (b->n == 0)
            break;
        running = b;
        cur ^= 1;
    }
    cli_progress_done(&prog);
    code = (rd.failed || walk_failed) ? EXIT_SOME_FAILED : EXIT_OK;
    if (rd.failed + walk_failed)
        cli_error("%d input%s failed; %zu document%s tagged",
                  rd.failed + walk_failed,
                  rd.failed + walk_failed == 1 ? "" : "s", tagged,
                  tagged == 1 ? "" : "s");
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
    pool_stop(&pool);
    for (j = 0; j < 2; j++) {
        if (!bt[j].items)
            continue;
        for (k = 0; k < batch_max; k++) {
            item_clear(&bt[j].items[k]);
            free(bt[j].items[k].scores);
            free(bt[j].items[k].tags);
            free(bt[j].items[k].ex_n);
            free(bt[j].items[k].ex_feat);
            free(bt[j].items[k].ex_val);
        }
        free(bt[j].items);
    }
    if (pool.cls) {
        for (i = 0; i < jobs; i++)
            spytag_classifier_free(pool.cls[i]);
        free(pool.cls);
    }
    if (pool.ord) {
        for (i = 0; i < jobs; i++)
            free(pool.ord[i]);
        free(pool.ord);
    }
    if (pool_ready) {
        pthread_mutex_destroy(&pool.lock);
        pthread_cond_destroy(&pool.work);
        pthread_cond_destroy(&pool.done);
    }
    for (k = 0; k < src.n; k++)
        free(src.v[k].path);
    free(src.v);
    free(ord);
    free(rd.line);
    if (rd.jf) {
        if (rd.jf->fd != STDIN_FILENO)
            close(rd.jf->fd);
        free(rd.jf);
    }
    jl_record_free(&rd.rec);
    spytag_model_free(m);
    return code;
}
