/*
 * testutil.c - helpers shared by the Check suites (see testutil.h).
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *tu_data(const char *name)
{
    static char buf[4096];
    const char *top = getenv("top_srcdir");
    if (!top || !*top)
        top = ".";
    snprintf(buf, sizeof buf, "%s/tests/data/%s", top, name);
    return buf;
}

/* The folder of this run, made by tu_run before the tests fork, so that it
 * is removed even when a failing test skips its teardown. */
static char *run_dir;

static char *make_dir(const char *parent, const char *prefix)
{
    char buf[4096];
    char *d;
    snprintf(buf, sizeof buf, "%s/%s.XXXXXX", parent, prefix);
    d = mkdtemp(buf);
    return d ? strdup(d) : NULL;
}

char *tu_mkdtemp(void)
{
    const char *tmp = getenv("TMPDIR");
    char *d;
    if (!tmp || !*tmp)
        tmp = "/tmp";
    d = make_dir(run_dir ? run_dir : tmp, run_dir ? "t" : "spytag-test");
    ck_assert_msg(d != NULL, "mkdtemp failed: %s", strerror(errno));
    return d;
}

void tu_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        if (d) {
            while ((e = readdir(d)) != NULL) {
                char *p;
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                p = tu_join(path, e->d_name);
                tu_rmtree(p);
                free(p);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

char *tu_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p)                  /* (no ck_assert: tu_run uses this too) */
        abort();
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void tu_write(const char *dir, const char *name, const void *data, size_t len)
{
    char *p = tu_join(dir, name), *s;
    FILE *f;
    /* create the sub-folders of name */
    for (s = p + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    f = fopen(p, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", p);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    free(p);
}

void tu_write_str(const char *dir, const char *name, const char *s)
{
    tu_write(dir, name, s, strlen(s));
}

unsigned char *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0, k;
    ck_assert_msg(f != NULL, "cannot read %s", path);
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        k = fread(buf + n, 1, cap - n, f);
        if (k == 0)
            break;
        n += k;
    }
    fclose(f);
    *len = n;
    return buf;
}

int tu_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

struct tokbuf {
    char *s;
    size_t n, cap;
};

static int collect(const char *tok, size_t len, void *user)
{
    struct tokbuf *b = user;
    ck_assert_uint_eq(strlen(tok), len);          /* NUL-terminated */
    if (b->n + len + 2 > b->cap) {
        b->cap = (b->n + len + 2) * 2;
        b->s = realloc(b->s, b->cap);
        ck_assert_ptr_nonnull(b->s);
    }
    if (b->n)
        b->s[b->n++] = '|';
    memcpy(b->s + b->n, tok, len);
    b->n += len;
    b->s[b->n] = '\0';
    return 0;
}

char *tu_tokens(const spytag_options *o, const char *text, size_t len)
{
    spytag_tokenizer *tk = spytag_tokenizer_new(o);
    struct tokbuf b = { calloc(1, 1), 0, 1 };
    ck_assert_ptr_nonnull(tk);
    ck_assert_int_eq(spytag_tokenize(tk, text, len, collect, &b), SPYTAG_OK);
    spytag_tokenizer_free(tk);
    return b.s;
}

char *tu_tokens_with(int stopwords, int stem, const char *text, size_t len)
{
    spytag_options o;
    spytag_options_init(&o);
    o.stopwords = stopwords;
    o.stem = stem;
    return tu_tokens(&o, text, len);
}

spytag_corpus *tu_fixture_corpus(void)
{
    spytag_corpus *c = NULL;
    spytag_error err;
    int rc;
    memset(&err, 0, sizeof err);
    rc = spytag_corpus_load(tu_data("corpus"), &c, &err);
    ck_assert_msg(rc == SPYTAG_OK, "loading the fixture corpus: %s:%ld: %s",
                  err.file, err.line, err.message);
    return c;
}

void tu_add(spytag_corpus *c, size_t i, const char *text, const char *topic)
{
    char id[24];
    snprintf(id, sizeof id, "d%zu", i);
    ck_assert_int_eq(spytag_corpus_add(c, id, text, strlen(text), &topic,
                                       topic ? 1 : 0), SPYTAG_OK);
}

spytag_corpus *tu_corpus(const tu_doc *docs, size_t n)
{
    spytag_corpus *c = spytag_corpus_new();
    size_t i;
    ck_assert_ptr_nonnull(c);
    for (i = 0; i < n; i++)
        tu_add(c, i, docs[i].text, docs[i].topic);
    return c;
}

spytag_model *tu_fixture_model(void)
{
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *m = NULL;
    spytag_options o;
    spytag_error err;
    int rc;
    spytag_options_init(&o);
    memset(&err, 0, sizeof err);
    rc = spytag_train(c, &o, &m, &err);
    ck_assert_msg(rc == SPYTAG_OK, "training the fixture: %s", err.message);
    spytag_corpus_free(c);
    return m;
}

char *tu_tags(const spytag_model *m, const char *text)
{
    size_t T = spytag_model_ntopics(m), t;
    spytag_classifier *cl = spytag_classifier_new(m);
    unsigned char *tags = malloc(T);
    char *out = calloc(1, 4096);
    ck_assert_ptr_nonnull(cl);
    ck_assert_int_eq(spytag_classify(cl, text, strlen(text), NULL, NULL, tags),
                     SPYTAG_OK);
    for (t = 0; t < T; t++)
        if (tags[t]) {
            if (*out)
                strcat(out, ",");
            strcat(out, spytag_model_topic(m, t));
        }
    free(tags);
    spytag_classifier_free(cl);
    return out;
}

int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    const char *tmp = getenv("TMPDIR");
    int failed;
    run_dir = make_dir(tmp && *tmp ? tmp : "/tmp", "spytag-test");
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (run_dir)
        tu_rmtree(run_dir);
    free(run_dir);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
