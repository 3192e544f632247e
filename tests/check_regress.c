/*
 * check_regress.c - inputs that once crashed or hung the library, kept so
 * that they cannot come back.  Every file in tests/data/regress/NAME/ goes
 * through the call the fuzzer fuzz/fuzz_NAME.c exercises (see the README
 * there), checking the same contract; the cases found so far also have a
 * test of their own with the exact expected result.
 */
#include "testutil.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fuzz/same_model.h"

/* Calls fn(data, len, name) for each file in tests/data/regress/sub (none
 * when the folder is absent); returns how many. */
static int each_input(const char *sub,
                      void (*fn)(const unsigned char *, size_t, const char *))
{
    char *dir = tu_join(tu_data("regress"), sub);
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d) {
        free(dir);
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        char *p;
        unsigned char *data;
        size_t len;
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        p = tu_join(dir, e->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            data = tu_read(p, &len);
            fn(data, len, e->d_name);
            free(data);
            n++;
        }
        free(p);
    }
    closedir(d);
    free(dir);
    return n;
}

/* ---- the fuzzers' contracts ------------------------------------------------ */

static int token_ok(const char *tok, size_t len, void *user)
{
    (void)user;
    ck_assert_uint_gt(len, 0);
    ck_assert_uint_le(len, SPYTAG_MAX_TOKEN_BYTES);
    ck_assert_uint_eq(strlen(tok), len);
    return 0;
}

static void run_tokenize(const unsigned char *data, size_t len,
                         const char *name)
{
    spytag_options o;
    int stem;
    spytag_options_init(&o);
    for (stem = 0; stem <= 1; stem++) {
        spytag_tokenizer *tk;
        o.stem = stem;
        tk = spytag_tokenizer_new(&o);
        ck_assert_ptr_nonnull(tk);
        ck_assert_msg(spytag_tokenize(tk, (const char *)data, len, token_ok,
                                      NULL) == SPYTAG_OK,
                      "%s: tokenize failed", name);
        spytag_tokenizer_free(tk);
    }
}

static void run_jsonl(const unsigned char *data, size_t len, const char *name)
{
    spytag_record r;
    spytag_error err;
    int rc;
    memset(&err, 0, sizeof err);
    rc = spytag_record_parse((const char *)data, len, &r, &err);
    if (rc == SPYTAG_OK) {
        if (r.text)
            ck_assert_int_eq(r.text[r.text_len], '\0');
    } else {
        ck_assert_msg(rc == SPYTAG_EFORMAT, "%s: status %d", name, rc);
        ck_assert_msg(err.message[0] != '\0', "%s: no reason given", name);
    }
    spytag_record_clear(&r);
}

static void run_labels(const unsigned char *data, size_t len, const char *name)
{
    char *dir = tu_mkdtemp();
    spytag_corpus *c = NULL;
    spytag_error err;
    int rc;
    tu_write_str(dir, "a.txt", "The telescope found a comet near Mars.\n");
    tu_write_str(dir, "b.txt", "Knead the dough and bake the bread.\n");
    tu_write(dir, "labels.tsv", data, len);
    memset(&err, 0, sizeof err);
    rc = spytag_corpus_load(dir, &c, &err);
    if (rc == SPYTAG_OK) {
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_gt(spytag_corpus_size(c), 0);
    } else {
        ck_assert_ptr_null(c);
        ck_assert_msg(err.message[0] != '\0', "%s: no reason given", name);
        ck_assert_int_eq(err.status, rc);
    }
    spytag_corpus_free(c);
    tu_rmtree(dir);
    free(dir);
}

static void run_model(const unsigned char *data, size_t len, const char *name)
{
    spytag_model *m = NULL;
    spytag_error err;
    int rc;
    memset(&err, 0, sizeof err);
    rc = spytag_model_load_buffer(data, len, name, &m, &err);
    if (rc == SPYTAG_OK) {
        const char *text = "The telescope saw a comet; the oven baked bread.";
        size_t T = spytag_model_ntopics(m), t, blen;
        double *scores = malloc(T * sizeof *scores);
        unsigned char *tags = malloc(T), *buf = NULL;
        spytag_classifier *cl = spytag_classifier_new(m);
        ck_assert_ptr_nonnull(cl);
        ck_assert_int_eq(spytag_classify(cl, text, strlen(text), scores, NULL,
                                         tags), SPYTAG_OK);
        for (t = 0; t < T; t++)
            ck_assert(scores[t] >= 0.0 && scores[t] <= 1.0);
        ck_assert_int_eq(spytag_model_serialize(m, &buf, &blen), SPYTAG_OK);
        ck_assert(same_model(buf, blen, data, len));
        free(buf);
        free(scores);
        free(tags);
        spytag_classifier_free(cl);
        spytag_model_free(m);
    } else {
        ck_assert_ptr_null(m);
        ck_assert_str_eq(err.file, name);
        ck_assert_msg(err.message[0] != '\0', "%s: no reason given", name);
    }
}

START_TEST(test_regress_tokenize)
{
    each_input("tokenize", run_tokenize);
}
END_TEST

START_TEST(test_regress_jsonl)
{
    each_input("jsonl", run_jsonl);
}
END_TEST

START_TEST(test_regress_labels)
{
    ck_assert_int_ge(each_input("labels", run_labels), 1);
}
END_TEST

START_TEST(test_regress_model)
{
    each_input("model", run_model);
}
END_TEST

/* ---- the cases found ------------------------------------------------------- */

/* fuzz_labels: a labels.tsv (or topics.txt, or JSON Lines corpus) whose
 * first line is empty wrote a NUL through a NULL line buffer. */
START_TEST(test_labels_blank_first_line)
{
    char *dir = tu_mkdtemp();
    spytag_corpus *c = NULL;
    spytag_error err;
    memset(&err, 0, sizeof err);
    tu_write_str(dir, "a.txt", "telescope comet");
    tu_write_str(dir, "b.txt", "bread oven");
    tu_write_str(dir, "labels.tsv", "\na.txt\tastronomy\nb.txt\tbaking\n");
    ck_assert_int_eq(spytag_corpus_load(dir, &c, &err), SPYTAG_OK);
    ck_assert_uint_eq(spytag_corpus_size(c), 2);
    spytag_corpus_free(c);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_labels_crash_input_error)
{
    /* the fuzzer's input: a blank line, then "b\0" (no TAB) */
    char *dir = tu_mkdtemp();
    spytag_corpus *c = NULL;
    spytag_error err;
    memset(&err, 0, sizeof err);
    tu_write(dir, "labels.tsv", "\nb\0\n.ts\0", 8);
    ck_assert_int_eq(spytag_corpus_load(dir, &c, &err), SPYTAG_EFORMAT);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(err.line, 2);
    ck_assert_msg(strstr(err.file, "labels.tsv") != NULL, "file: %s",
                  err.file);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_topics_blank_first_line)
{
    char *dir = tu_mkdtemp();
    spytag_corpus *c = NULL;
    spytag_error err;
    memset(&err, 0, sizeof err);
    tu_write_str(dir, "a.txt", "telescope comet");
    tu_write_str(dir, "labels.tsv", "a.txt\tastronomy\n");
    tu_write_str(dir, "topics.txt", "\nastronomy\n");
    ck_assert_int_eq(spytag_corpus_load(dir, &c, &err), SPYTAG_OK);
    ck_assert_uint_eq(spytag_corpus_ntopics(c), 1);
    spytag_corpus_free(c);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_jsonl_blank_first_line)
{
    char *dir = tu_mkdtemp(), *p = tu_join(dir, "c.jsonl");
    spytag_corpus *c = NULL;
    spytag_error err;
    memset(&err, 0, sizeof err);
    tu_write_str(dir, "c.jsonl",
                 "\n{\"id\": \"x\", \"labels\": [\"a\"], \"text\": \"t\"}\n");
    ck_assert_int_eq(spytag_corpus_load(p, &c, &err), SPYTAG_OK);
    ck_assert_uint_eq(spytag_corpus_size(c), 1);
    spytag_corpus_free(c);
    free(p);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* hostile.sh: a FIFO named in labels.tsv made spytag_corpus_load wait for
 * a writer forever; it is now an error naming labels.tsv:LINE.  (The test
 * has a timeout, so a hang fails rather than blocks.) */
START_TEST(test_labels_fifo_no_hang)
{
    char *dir = tu_mkdtemp(), *fifo = tu_join(dir, "b.txt");
    spytag_corpus *c = NULL;
    spytag_error err;
    memset(&err, 0, sizeof err);
    tu_write_str(dir, "a.txt", "telescope comet");
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    tu_write_str(dir, "labels.tsv", "a.txt\tastronomy\nb.txt\tbaking\n");
    ck_assert_int_eq(spytag_corpus_load(dir, &c, &err), SPYTAG_EIO);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(err.line, 2);
    ck_assert_msg(strstr(err.message, "not a regular file") != NULL, "%s",
                  err.message);
    free(fifo);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *regress_suite(void)
{
    Suite *s = suite_create("regress");
    TCase *tc = tcase_create("fuzz inputs");
    tcase_add_test(tc, test_regress_tokenize);
    tcase_add_test(tc, test_regress_jsonl);
    tcase_add_test(tc, test_regress_labels);
    tcase_add_test(tc, test_regress_model);
    suite_add_tcase(s, tc);
    tc = tcase_create("found");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_labels_blank_first_line);
    tcase_add_test(tc, test_labels_crash_input_error);
    tcase_add_test(tc, test_topics_blank_first_line);
    tcase_add_test(tc, test_jsonl_blank_first_line);
    tcase_add_test(tc, test_labels_fifo_no_hang);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(regress_suite());
}
