/*
 * corpus.c - a labelled corpus in memory, and the three layouts it loads.
 *
 * Layouts (spytag_corpus_load):
 *
 * 1. A folder with labels.tsv.  Each line is
 *        relative/path<TAB>topic topic ...
 *    naming a document file (relative to the folder; no absolute paths, no
 *    ".." components) and its topics separated by single spaces.  Nothing
 *    after the TAB means the document has no topic: a negative for every
 *    topic.  Blank lines and lines starting with '#' are skipped; CRLF line
 *    ends are accepted.  An optional topics.txt beside it lists the allowed
 *    topics, one per line: a label not listed there is an error, and so is a
 *    listed topic with no positive document.  Every error names
 *    labels.tsv:LINE and nothing is returned.
 *
 * 2. A folder without labels.tsv: each sub-folder is a topic and holds its
 *    documents (files directly inside it, in byte order of their names); a
 *    sub-folder named _none holds documents with no topic.  A document of
 *    several topics is a copy in each of their folders: files of the same
 *    name and the same bytes are one document with all those topics (the
 *    first folder's name is its id; a copy in _none adds nothing).  Hidden
 *    entries (".name") and files at the top level are ignored; anything
 *    in a topic folder that is not a document file (a folder, a FIFO, a
 *    broken link), and a broken link at the top, is an error naming it.
 *
 * 3. A JSON Lines file (or a pipe of one): one {"id", "labels", "text"}
 *    object per line, the format of the public benchmark sets.  Blank
 *    lines are skipped; any other bad line is an error naming FILE:LINE.
 *
 * Topic names are 1 to 128 bytes of printable text without spaces, TABs or
 * commas.  A document file is read whole, up to SPYTAG_MAX_DOC_BYTES.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TOPIC_NAME 128

struct doc {
    char *id;
    char *text;
    size_t len;
    uint16_t *topics;     /* sorted topic ids */
    size_t ntopics;
};

struct spytag_corpus {
    struct doc *docs;
    size_t n, cap;
    spytag_strtab *topic_tab;
    char *source;
};

spytag_corpus *spytag_corpus_new(void)
{
    spytag_corpus *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->topic_tab = spytag_strtab_new(16);
    c->source = calloc(1, 1);
    if (!c->topic_tab || !c->source) {
        spytag_corpus_free(c);
        return NULL;
    }
    return c;
}

void spytag_corpus_free(spytag_corpus *c)
{
    size_t i;
    if (!c)
        return;
    for (i = 0; i < c->n; i++) {
        free(c->docs[i].id);
        free(c->docs[i].text);
        free(c->docs[i].topics);
    }
    free(c->docs);
    spytag_strtab_free(c->topic_tab);
    free(c->source);
    free(c);
}

size_t spytag_corpus_size(const spytag_corpus *c)
{
    return c->n;
}

size_t spytag_corpus_ntopics(const spytag_corpus *c)
{
    return spytag_strtab_size(c->topic_tab);
}

const char *spytag_corpus_topic(const spytag_corpus *c, size_t t)
{
    return spytag_strtab_str(c->topic_tab, (int32_t)t, NULL);
}

const char *spytag_corpus_id(const spytag_corpus *c, size_t doc)
{
    return c->docs[doc].id;
}

const char *spytag_corpus_text(const spytag_corpus *c, size_t doc,
                               size_t *len)
{
    if (len)
        *len = c->docs[doc].len;
    return c->docs[doc].text;
}

void spytag_corpus_labels(const spytag_corpus *c, size_t doc,
                          unsigned char *has)
{
    size_t i;
    memset(has, 0, spytag_corpus_ntopics(c));
    for (i = 0; i < c->docs[doc].ntopics; i++)
        has[c->docs[doc].topics[i]] = 1;
}

const uint16_t *spytag_corpus_doc_topics(const spytag_corpus *c, size_t doc,
                                         size_t *n)
{
    *n = c->docs[doc].ntopics;
    return c->docs[doc].topics;
}

const char *spytag_corpus_source(const spytag_corpus *c)
{
    return c->source;
}

int spytag_corpus_set_source(spytag_corpus *c, const char *source)
{
    char *s = strdup(source ? source : "");
    if (!s)
        return SPYTAG_ENOMEM;
    free(c->source);
    c->source = s;
    return SPYTAG_OK;
}

static int valid_topic(const char *t)
{
    size_t n = strlen(t), i;
    if (n == 0 || n > MAX_TOPIC_NAME)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)t[i];
        if (ch <= 0x20 || ch == ',' || ch == 0x7f)
            return 0;
    }
    return 1;
}

int spytag_corpus_add_topic(spytag_corpus *c, const char *topic)
{
    if (!valid_topic(topic))
        return SPYTAG_EINVAL;
    if (spytag_strtab_find(c->topic_tab, topic, strlen(topic)) < 0 &&
        spytag_strtab_size(c->topic_tab) >= SPYTAG_MAX_TOPICS)
        return SPYTAG_ELIMIT;
    return spytag_strtab_intern(c->topic_tab, topic, strlen(topic)) < 0
               ? SPYTAG_ENOMEM
               : SPYTAG_OK;
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int spytag_corpus_add(spytag_corpus *c, const char *id, const char *text,
                      size_t len, const char *const *labels, size_t nlabels)
{
    struct doc d;
    size_t i, j, k = 0, fresh = 0;
    int rc;

    if (!c || (!text && len) || (!labels && nlabels))
        return SPYTAG_EINVAL;
    memset(&d, 0, sizeof d);
    /* every label is checked before any is added, so that a document
     * refused leaves no topic of its own behind */
    for (i = 0; i < nlabels; i++) {
        if (!valid_topic(labels[i]))
            return SPYTAG_EINVAL;
        if (spytag_strtab_find(c->topic_tab, labels[i], strlen(labels[i])) >= 0)
            continue;
        for (j = 0; j < i && strcmp(labels[j], labels[i]) != 0; j++)
            ;
        fresh += j == i;
    }
    if (spytag_strtab_size(c->topic_tab) + fresh > SPYTAG_MAX_TOPICS)
        return SPYTAG_ELIMIT;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        struct doc *docs = realloc(c->docs, cap * sizeof *docs);
        if (!docs)
            return SPYTAG_ENOMEM;
        c->docs = docs;
        c->cap = cap;
    }
    d.id = strdup(id ? id : "");
    d.text = malloc(len + 1);
    d.topics = malloc((nlabels ? nlabels : 1) * sizeof *d.topics);
    if (!d.id || !d.text || !d.topics) {
        free(d.id);
        free(d.text);
        free(d.topics);
        return SPYTAG_ENOMEM;
    }
    for (i = 0; i < nlabels; i++)
        if ((rc = spytag_corpus_add_topic(c, labels[i])) != SPYTAG_OK) {
            free(d.id);
            free(d.text);
            free(d.topics);
            return rc;
        }
    if (len)
        memcpy(d.text, text, len);
    d.text[len] = '\0';
    d.len = len;
    for (i = 0; i < nlabels; i++)
        d.topics[i] = (uint16_t)spytag_strtab_find(c->topic_tab, labels[i],
                                                   strlen(labels[i]));
    qsort(d.topics, nlabels, sizeof *d.topics, cmp_u16);
    for (i = 0; i < nlabels; i++)       /* drop repeated labels */
        if (k == 0 || d.topics[k - 1] != d.topics[i])
            d.topics[k++] = d.topics[i];
    d.ntopics = k;
    c->docs[c->n++] = d;
    return SPYTAG_OK;
}

/* ---- loading ------------------------------------------------------------ */

/* Fills err for a document that spytag_corpus_add refused with rc, and
 * returns the status to give (EFORMAT for a bad topic name). */
static int add_refused(spytag_error *err, int rc, const char *file, long line)
{
    if (rc == SPYTAG_EINVAL)
        return spytag_fail(err, SPYTAG_EFORMAT, file, line,
                           "invalid topic name");
    if (rc == SPYTAG_ELIMIT)
        return spytag_fail(err, rc, file, line, "more than %u topics",
                           (unsigned)SPYTAG_MAX_TOPICS);
    return spytag_fail(err, rc, file, line, "%s", spytag_strerror(rc));
}

int spytag_open_regular(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), flags, e;

    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0) {
        e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        return -2;
    }
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* fopen(path, "rb") for a regular file only (spytag_open_regular): NULL
 * with *notreg set when it is something else, NULL with errno set when
 * it cannot be opened. */
static FILE *fopen_regular(const char *path, int *notreg)
{
    struct stat st;
    int fd = spytag_open_regular(path, &st), e;
    FILE *f;

    *notreg = fd == -2;
    if (fd < 0)
        return NULL;
    f = fdopen(fd, "rb");
    if (!f) {
        e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

/* "not a regular file" or the reason of errno, for fopen_regular. */
static const char *open_reason(int notreg)
{
    return notreg ? "not a regular file" : strerror(errno);
}

/* Reads a whole regular file into a new NUL-terminated buffer. */
static int read_file(const char *path, char **out, size_t *outlen,
                     spytag_error *err, const char *where, long line)
{
    FILE *f;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = SPYTAG_OK, notreg;

    *out = NULL;
    f = fopen_regular(path, &notreg);
    if (!f && strcmp(where, path) == 0)
        return spytag_fail(err, SPYTAG_EIO, path, 0, "cannot open: %s",
                           open_reason(notreg));
    if (!f)
        return spytag_fail(err, SPYTAG_EIO, where, line, "cannot %s '%s': %s",
                           notreg ? "read" : "open", path,
                           open_reason(notreg));
    for (;;) {
        size_t got;
        if (len + 65536 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 65536 * 2;
            char *nb;
            if (len > SPYTAG_MAX_DOC_BYTES) {
                rc = spytag_fail(err, SPYTAG_ELIMIT, where, line,
                                 "'%s' is larger than %u bytes", path,
                                 (unsigned)SPYTAG_MAX_DOC_BYTES);
                goto cleanup;
            }
            nb = realloc(buf, ncap);
            if (!nb) {
                rc = spytag_fail(err, SPYTAG_ENOMEM, where, line,
                                 "out of memory reading '%s'", path);
                goto cleanup;
            }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = spytag_fail(err, SPYTAG_EIO, where, line, "cannot read '%s': %s",
                         path, strerror(errno));
        goto cleanup;
    }
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    buf = NULL;
cleanup:
    free(buf);
    fclose(f);
    return rc;
}

static char *join_path(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = malloc(na + nb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, na);
    if (na && a[na - 1] != '/')
        p[na++] = '/';
    memcpy(p + na, b, nb + 1);
    return p;
}

/* Reads one line (any length up to the limit) from f into *buf. Returns the
 * length, -1 at end of file, -2 when the line is too long (it is skipped).
 * f belongs to the calling thread: the bytes are read without stdio's
 * lock, which getc takes for each one. */
static long read_line(FILE *f, char **buf, size_t *cap)
{
    size_t n = 0;
    int ch, toolong = 0;
    while ((ch = getc_unlocked(f)) != EOF) {
        if (ch == '\n')
            break;
        if (toolong)
            continue;
        if (n + 2 > *cap) {
            size_t ncap = *cap ? *cap * 2 : 4096;
            char *nb;
            if (ncap > SPYTAG_MAX_LINE_BYTES) {
                toolong = 1;
                continue;
            }
            nb = realloc(*buf, ncap);
            if (!nb)
                return -3;
            *buf = nb;
            *cap = ncap;
        }
        (*buf)[n++] = (char)ch;
    }
    if (ch == EOF && n == 0 && !toolong)
        return -1;
    if (toolong)
        return -2;
    if (*cap == 0) {             /* an empty first line: no buffer yet */
        char *nb = realloc(*buf, 4096);
        if (!nb)
            return -3;
        *buf = nb;
        *cap = 4096;
    }
    if (n && (*buf)[n - 1] == '\r')
        n--;
    (*buf)[n] = '\0';
    return (long)n;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int load_jsonl(spytag_corpus *c, const char *path, spytag_error *err)
{
    /* a FIFO or a pipe (`spytag train <(zcat c.jsonl.gz)`) is read as a
     * stream, waiting for its writer as cat(1) does */
    FILE *f = fopen(path, "rb");
    char *line = NULL;
    size_t cap = 0;
    long n, lineno = 0;
    int rc = SPYTAG_OK;

    if (!f)
        return spytag_fail(err, SPYTAG_EIO, path, 0, "cannot open: %s",
                           strerror(errno));
    while ((n = read_line(f, &line, &cap)) != -1) {
        spytag_record r;
        char idbuf[64];
        lineno++;
        if (n == -3) {
            rc = spytag_fail(err, SPYTAG_ENOMEM, path, lineno, "out of memory");
            goto cleanup;
        }
        if (n == -2) {
            rc = spytag_fail(err, SPYTAG_ELIMIT, path, lineno,
                             "line longer than %u bytes",
                             (unsigned)SPYTAG_MAX_LINE_BYTES);
            goto cleanup;
        }
        if (strspn(line, " \t") == (size_t)n)
            continue;
        rc = spytag_record_parse(line, (size_t)n, &r, err);
        if (rc != SPYTAG_OK) {
            if (err) {
                snprintf(err->file, sizeof err->file, "%s", path);
                err->line = lineno;
                /* a file that is not JSON Lines at all (labels.tsv, a
                 * text) named as the corpus: say what a corpus is */
                if (!has_suffix(path, ".jsonl") &&
                    line[strspn(line, " \t")] != '{') {
                    size_t at = strlen(err->message);
                    snprintf(err->message + at, sizeof err->message - at,
                             " (a corpus is a folder, or a JSON Lines file "
                             "of {\"text\", \"labels\"} objects)");
                }
            }
            goto cleanup;
        }
        if (!r.text || !r.has_labels) {
            rc = spytag_fail(err, SPYTAG_EFORMAT, path, lineno,
                             "missing \"%s\"", r.text ? "labels" : "text");
            spytag_record_clear(&r);
            goto cleanup;
        }
        snprintf(idbuf, sizeof idbuf, "%ld", lineno);
        rc = spytag_corpus_add(c, r.id ? r.id : idbuf, r.text, r.text_len,
                               (const char *const *)r.labels, r.nlabels);
        if (rc != SPYTAG_OK)
            rc = add_refused(err, rc, path, lineno);
        spytag_record_clear(&r);
        if (rc != SPYTAG_OK)
            goto cleanup;
    }
    if (ferror(f))
        rc = spytag_fail(err, SPYTAG_EIO, path, lineno, "read error: %s",
                         strerror(errno));
cleanup:
    free(line);
    fclose(f);
    return rc;
}

static int bad_relpath(const char *p)
{
    const char *s = p;
    if (*p == '/' || *p == '\0')
        return 1;
    while (*s) {
        size_t n = strcspn(s, "/");
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return 1;
        s += n;
        if (*s == '/')
            s++;
    }
    return 0;
}

static int load_topics_txt(spytag_corpus *c, const char *dir, int *have,
                           spytag_error *err)
{
    char *path = join_path(dir, "topics.txt"), *line = NULL;
    FILE *f;
    size_t cap = 0;
    long n, lineno = 0;
    int rc = SPYTAG_OK, notreg;

    *have = 0;
    if (!path)
        return spytag_fail(err, SPYTAG_ENOMEM, dir, 0, "out of memory");
    f = fopen_regular(path, &notreg);
    if (!f) {
        if (notreg || errno != ENOENT)
            rc = spytag_fail(err, SPYTAG_EIO, path, 0, "cannot open: %s",
                             open_reason(notreg));
        free(path);
        return rc;
    }
    *have = 1;
    while ((n = read_line(f, &line, &cap)) != -1) {
        lineno++;
        if (n < 0) {
            rc = spytag_fail(err, SPYTAG_EFORMAT, path, lineno, "line too long");
            break;
        }
        if (n == 0 || line[0] == '#')
            continue;
        rc = spytag_corpus_add_topic(c, line);
        if (rc != SPYTAG_OK) {
            spytag_fail(err, rc, path, lineno, "invalid topic name '%s'", line);
            break;
        }
    }
    free(line);
    free(path);
    fclose(f);
    return rc;
}

static int load_labels_tsv(spytag_corpus *c, const char *dir,
                           spytag_error *err)
{
    char *path = join_path(dir, "labels.tsv"), *line = NULL;
    char *labels[SPYTAG_MAX_TOPICS];
    FILE *f = NULL;
    size_t cap = 0, ndocs0 = c->n;
    long n, lineno = 0;
    int rc = SPYTAG_OK, have_list, notreg = 0;
    spytag_strtab *seen = NULL;
    size_t nlisted;

    if (!path)
        return spytag_fail(err, SPYTAG_ENOMEM, dir, 0, "out of memory");
    rc = load_topics_txt(c, dir, &have_list, err);
    if (rc != SPYTAG_OK)
        goto cleanup;
    nlisted = spytag_corpus_ntopics(c);
    seen = spytag_strtab_new(1024);
    if (!seen) {
        rc = spytag_fail(err, SPYTAG_ENOMEM, path, 0, "out of memory");
        goto cleanup;
    }
    f = fopen_regular(path, &notreg);
    if (!f) {
        rc = spytag_fail(err, SPYTAG_EIO, path, 0, "cannot open: %s",
                         open_reason(notreg));
        goto cleanup;
    }
    while ((n = read_line(f, &line, &cap)) != -1) {
        char *tab, *rel, *p, *text = NULL, *docpath;
        size_t nl = 0, len = 0, i;
        lineno++;
        if (n < 0) {
            rc = spytag_fail(err, n == -3 ? SPYTAG_ENOMEM : SPYTAG_ELIMIT,
                             path, lineno, "line too long");
            goto cleanup;
        }
        if (n == 0 || line[0] == '#')
            continue;
        tab = strchr(line, '\t');
        if (!tab) {
            rc = spytag_fail(err, SPYTAG_EFORMAT, path, lineno,
                             "expected 'path<TAB>topics'");
            goto cleanup;
        }
        *tab = '\0';
        rel = line;
        if (bad_relpath(rel)) {
            rc = spytag_fail(err, SPYTAG_EFORMAT, path, lineno,
                             "'%s' is not a relative path inside the corpus",
                             rel);
            goto cleanup;
        }
        if (spytag_strtab_find(seen, rel, strlen(rel)) >= 0) {
            rc = spytag_fail(err, SPYTAG_EFORMAT, path, lineno,
                             "'%s' is listed twice", rel);
            goto cleanup;
        }
        if (spytag_strtab_intern(seen, rel, strlen(rel)) < 0) {
            rc = spytag_fail(err, SPYTAG_ENOMEM, path, lineno, "out of memory");
            goto cleanup;
        }
        p = tab + 1;
        while (*p && (p[strlen(p) - 1] == ' ' || p[strlen(p) - 1] == '\t'))
            p[strlen(p) - 1] = '\0';
        while (*p) {
            char *sp = strchr(p, ' ');
            if (sp)
                *sp = '\0';
            if (*p == '\0' || strchr(p, '\t')) {
                rc = spytag_fail(err, SPYTAG_EFORMAT, path, lineno,
                                 "empty topic name (topics are separated by "
                                 "single spaces)");
                goto cleanup;
            }
            if (!valid_topic(p)) {
                rc = spytag_fail(err, SPYTAG_EFORMAT, path, lineno,
                                 "invalid topic name '%s'", p);
                goto cleanup;
            }
            if (have_list &&
                spytag_strtab_find(c->topic_tab, p, strlen(p)) < 0) {
                rc = spytag_fail(err, SPYTAG_EFORMAT, path, lineno,
                                 "unknown topic '%s' (not in topics.txt)", p);
                goto cleanup;
            }
            if (nl == SPYTAG_MAX_TOPICS) {
                rc = spytag_fail(err, SPYTAG_ELIMIT, path, lineno,
                                 "too many topics");
                goto cleanup;
            }
            labels[nl++] = p;
            if (!sp)
                break;
            p = sp + 1;
            if (*p == '\0') {
                rc = spytag_fail(err, SPYTAG_EFORMAT, path, lineno,
                                 "empty topic name");
                goto cleanup;
            }
        }
        docpath = join_path(dir, rel);
        if (!docpath) {
            rc = spytag_fail(err, SPYTAG_ENOMEM, path, lineno, "out of memory");
            goto cleanup;
        }
        rc = read_file(docpath, &text, &len, err, path, lineno);
        free(docpath);
        if (rc != SPYTAG_OK)
            goto cleanup;
        rc = spytag_corpus_add(c, rel, text, len, (const char *const *)labels,
                               nl);
        free(text);
        if (rc != SPYTAG_OK) {
            rc = add_refused(err, rc, path, lineno);
            goto cleanup;
        }
        (void)i;
    }
    if (ferror(f)) {
        rc = spytag_fail(err, SPYTAG_EIO, path, lineno, "read error: %s",
                         strerror(errno));
        goto cleanup;
    }
    if (c->n == ndocs0) {
        rc = spytag_fail(err, SPYTAG_EEMPTY, path, 0, "no documents listed");
        goto cleanup;
    }
    if (have_list) {
        size_t t, d;
        for (t = 0; t < nlisted; t++) {
            for (d = ndocs0; d < c->n; d++) {
                size_t j;
                for (j = 0; j < c->docs[d].ntopics; j++)
                    if (c->docs[d].topics[j] == t)
                        break;
                if (j < c->docs[d].ntopics)
                    break;
            }
            if (d == c->n) {
                rc = spytag_fail(err, SPYTAG_EEMPTY, path, 0,
                                 "topic '%s' has no positive document (it is "
                                 "listed in topics.txt)",
                                 spytag_corpus_topic(c, t));
                goto cleanup;
            }
        }
    }
cleanup:
    spytag_strtab_free(seen);
    free(line);
    free(path);
    if (f)
        fclose(f);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The visible entries of dir, sorted; *n of them.  NULL on failure. */
static char **list_dir(const char *dir, size_t *n, spytag_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t k = 0, cap = 0;

    *n = 0;
    if (!d) {
        spytag_fail(err, SPYTAG_EIO, dir, 0, "cannot open folder: %s",
                    strerror(errno));
        return NULL;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (k == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nv = realloc(v, ncap * sizeof *nv);
            if (!nv)
                goto oom;
            v = nv;
            cap = ncap;
        }
        if (!(v[k] = strdup(e->d_name)))
            goto oom;
        k++;
    }
    closedir(d);
    if (!v && !(v = calloc(1, sizeof *v))) {   /* an empty folder */
        spytag_fail(err, SPYTAG_ENOMEM, dir, 0, "out of memory");
        return NULL;
    }
    qsort(v, k, sizeof *v, cmp_str);
    *n = k;
    return v;
oom:
    closedir(d);
    while (k)
        free(v[--k]);
    free(v);
    spytag_fail(err, SPYTAG_ENOMEM, dir, 0, "out of memory");
    return NULL;
}

static void free_list(char **v, size_t n)
{
    while (n)
        free(v[--n]);
    free(v);
}

/* Gives document d the topic too (which must be valid); d's topics stay
 * sorted and distinct. */
static int doc_add_topic(spytag_corpus *c, struct doc *d, const char *topic)
{
    int rc = spytag_corpus_add_topic(c, topic);
    uint16_t id, *v;
    size_t i;
    if (rc != SPYTAG_OK)
        return rc;
    id = (uint16_t)spytag_strtab_find(c->topic_tab, topic, strlen(topic));
    for (i = 0; i < d->ntopics && d->topics[i] < id; i++)
        ;
    if (i < d->ntopics && d->topics[i] == id)
        return SPYTAG_OK;
    v = realloc(d->topics, (d->ntopics + 1) * sizeof *v);
    if (!v)
        return SPYTAG_ENOMEM;
    memmove(v + i + 1, v + i, (d->ntopics - i) * sizeof *v);
    v[i] = id;
    d->topics = v;
    d->ntopics++;
    return SPYTAG_OK;
}

/* A document of the topic folders that may already be in c: the file of
 * the same name with the same text in another topic folder is the same
 * document with one more topic (this layout's only way to give a document
 * several topics), and a copy of it in _none adds nothing.  *seen maps a
 * file name to the first document of that name (first_doc).  Returns 1
 * when it was such a copy (and was merged), 0 when the file is a document
 * of its own, or a negative status. */
static int merge_copy(spytag_corpus *c, spytag_strtab *seen, size_t **first,
                      size_t *cap, const char *name, const char *text,
                      size_t len, const char *topic)
{
    int32_t k = spytag_strtab_find(seen, name, strlen(name));
    struct doc *d;
    if (k < 0) {
        k = spytag_strtab_intern(seen, name, strlen(name));
        if (k < 0)
            return -SPYTAG_ENOMEM;
        if ((size_t)k >= *cap) {
            size_t nc = *cap ? *cap * 2 : 256;
            size_t *v = realloc(*first, nc * sizeof *v);
            if (!v)
                return -SPYTAG_ENOMEM;
            *first = v;
            *cap = nc;
        }
        (*first)[k] = c->n;          /* the document about to be added */
        return 0;
    }
    d = &c->docs[(*first)[k]];
    if (d->len != len || memcmp(d->text, text, len) != 0)
        return 0;                    /* another text of the same name */
    if (topic) {
        int rc = doc_add_topic(c, d, topic);
        if (rc != SPYTAG_OK)
            return -rc;
    }
    return 1;
}

static int load_topic_dirs(spytag_corpus *c, const char *dir,
                           spytag_error *err)
{
    size_t nt, t, *first = NULL, cap = 0;
    char **tops = list_dir(dir, &nt, err);
    spytag_strtab *seen = spytag_strtab_new(1024);
    int rc = SPYTAG_OK;

    if (!tops || !seen) {
        spytag_strtab_free(seen);
        if (tops)
            free_list(tops, nt);
        return !tops ? (err ? err->status : SPYTAG_EIO)
                     : spytag_fail(err, SPYTAG_ENOMEM, dir, 0,
                                   "out of memory");
    }
    for (t = 0; t < nt && rc == SPYTAG_OK; t++) {
        char *sub = join_path(dir, tops[t]), **files = NULL;
        struct stat st;
        size_t nf = 0, i;
        int none = strcmp(tops[t], "_none") == 0;

        if (!sub) {
            rc = spytag_fail(err, SPYTAG_ENOMEM, dir, 0, "out of memory");
            break;
        }
        if (stat(sub, &st) != 0) {
            rc = spytag_fail(err, SPYTAG_EIO, sub, 0, "cannot open: %s",
                             strerror(errno));
            free(sub);
            break;
        }
        if (!S_ISDIR(st.st_mode)) {       /* a file at the top: ignored */
            free(sub);
            continue;
        }
        if (!none && !valid_topic(tops[t])) {
            rc = spytag_fail(err, SPYTAG_EFORMAT, sub, 0,
                             "folder name is not a valid topic name");
            free(sub);
            break;
        }
        files = list_dir(sub, &nf, err);
        if (!files) {
            rc = err ? err->status : SPYTAG_EIO;
            free(sub);
            break;
        }
        for (i = 0; i < nf && rc == SPYTAG_OK; i++) {
            char *fp = join_path(sub, files[i]), *text = NULL, *rel;
            const char *lab = tops[t];
            size_t len = 0;
            if (!fp) {
                rc = spytag_fail(err, SPYTAG_ENOMEM, sub, 0, "out of memory");
                break;
            }
            /* a topic folder holds documents only: whatever else is in
             * it (a folder, a FIFO, a broken link) would be lost */
            if (stat(fp, &st) == 0 && !S_ISREG(st.st_mode)) {
                rc = spytag_fail(err, SPYTAG_EIO, fp, 0, "not a regular file "
                                 "(a topic folder holds document files)");
                free(fp);
                break;
            }
            rc = read_file(fp, &text, &len, err, fp, 0);   /* (err filled) */
            rel = join_path(tops[t], files[i]);
            if (rc == SPYTAG_OK && !rel)
                rc = spytag_fail(err, SPYTAG_ENOMEM, fp, 0, "out of memory");
            if (rc == SPYTAG_OK) {
                int merged = merge_copy(c, seen, &first, &cap, files[i], text,
                                        len, none ? NULL : lab);
                if (merged < 0)
                    rc = add_refused(err, -merged, fp, 0);
                else if (!merged) {
                    rc = spytag_corpus_add(c, rel, text, len, &lab,
                                           none ? 0 : 1);
                    if (rc != SPYTAG_OK)
                        rc = add_refused(err, rc, fp, 0);
                }
            }
            free(rel);
            free(text);
            free(fp);
        }
        free_list(files, nf);
        free(sub);
    }
    free_list(tops, nt);
    spytag_strtab_free(seen);
    free(first);
    if (rc == SPYTAG_OK && c->n == 0)
        rc = spytag_fail(err, SPYTAG_EEMPTY, dir, 0,
                         "no labels.tsv and no documents in topic folders");
    return rc;
}

int spytag_corpus_load(const char *path, spytag_corpus **out,
                       spytag_error *err)
{
    spytag_corpus *c;
    struct stat st;
    int rc;

    *out = NULL;
    if (stat(path, &st) != 0)
        return spytag_fail(err, SPYTAG_EIO, path, 0, "cannot open: %s",
                           strerror(errno));
    c = spytag_corpus_new();
    if (!c)
        return spytag_fail(err, SPYTAG_ENOMEM, path, 0, "out of memory");
    if (S_ISDIR(st.st_mode)) {
        char *lab = join_path(path, "labels.tsv");
        struct stat ls;
        if (!lab) {
            rc = spytag_fail(err, SPYTAG_ENOMEM, path, 0, "out of memory");
        } else if (stat(lab, &ls) == 0) {
            rc = load_labels_tsv(c, path, err);
        } else {
            rc = load_topic_dirs(c, path, err);
        }
        free(lab);
    } else {
        rc = load_jsonl(c, path, err);
    }
    if (rc == SPYTAG_OK) {
        /* the source as given, without trailing slashes */
        char *s = strdup(path);
        size_t n;
        if (!s) {
            rc = SPYTAG_ENOMEM;
        } else {
            n = strlen(s);
            while (n > 1 && s[n - 1] == '/')
                s[--n] = '\0';
            rc = spytag_corpus_set_source(c, s);
            free(s);
        }
    }
    if (rc != SPYTAG_OK) {
        spytag_corpus_free(c);
        return rc;
    }
    *out = c;
    return SPYTAG_OK;
}
