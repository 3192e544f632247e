/*
 * check_evaluate.c - scoring (evaluate.c): per-topic counts, precision,
 * recall and F1, micro- and macro-F1 on hand-made gold/predicted tables,
 * and k-fold cross-validation on the fixture corpus.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define TOL 1e-9

/* Topics A, B, C; six documents:
 *   gold      pred
 *   A         A          A tp
 *   A B       A          A tp, B fn
 *   B         B C        B tp, C fp
 *   -         A          A fp
 *   C         -          C fn
 *   A         B          A fn, B fp
 * A: tp 2 fp 1 fn 1 -> P 2/3, R 2/3, F1 2/3
 * B: tp 1 fp 1 fn 1 -> P 1/2, R 1/2, F1 1/2
 * C: tp 0 fp 1 fn 1 -> 0, 0, 0
 * micro: tp 3 fp 3 fn 3 -> F1 6/12 = 1/2;  macro: (2/3 + 1/2 + 0)/3 */
static const unsigned char gold[6][4] = {
    { 1, 0, 0, 0 }, { 1, 1, 0, 0 }, { 0, 1, 0, 0 },
    { 0, 0, 0, 0 }, { 0, 0, 1, 0 }, { 1, 0, 0, 0 },
};
static const unsigned char pred[6][4] = {
    { 1, 0, 0, 0 }, { 1, 0, 0, 0 }, { 0, 1, 1, 0 },
    { 1, 0, 0, 0 }, { 0, 0, 0, 0 }, { 0, 1, 0, 0 },
};

static spytag_eval *tally(size_t ntopics)
{
    static const char *const names[] = { "A", "B", "C", "D" };
    spytag_eval *ev = spytag_eval_new(names, ntopics);
    int d;
    ck_assert_ptr_nonnull(ev);
    for (d = 0; d < 6; d++)
        spytag_eval_add(ev, gold[d], pred[d]);
    return ev;
}

START_TEST(test_counts)
{
    spytag_eval *ev = tally(3);
    size_t tp, fp, fn;
    ck_assert_uint_eq(spytag_eval_docs(ev), 6);
    ck_assert_uint_eq(spytag_eval_ntopics(ev), 3);
    ck_assert_str_eq(spytag_eval_topic(ev, 1), "B");
    spytag_eval_counts(ev, 0, &tp, &fp, &fn);
    ck_assert_uint_eq(tp, 2);
    ck_assert_uint_eq(fp, 1);
    ck_assert_uint_eq(fn, 1);
    spytag_eval_counts(ev, 1, &tp, &fp, &fn);
    ck_assert_uint_eq(tp, 1);
    ck_assert_uint_eq(fp, 1);
    ck_assert_uint_eq(fn, 1);
    spytag_eval_counts(ev, 2, &tp, &fp, &fn);
    ck_assert_uint_eq(tp, 0);
    ck_assert_uint_eq(fp, 1);
    ck_assert_uint_eq(fn, 1);
    spytag_eval_free(ev);
    spytag_eval_free(NULL);
}
END_TEST

START_TEST(test_topic_scores)
{
    spytag_eval *ev = tally(3);
    double p, r, f;
    spytag_eval_topic_scores(ev, 0, &p, &r, &f);
    ck_assert_double_eq_tol(p, 2.0 / 3, TOL);
    ck_assert_double_eq_tol(r, 2.0 / 3, TOL);
    ck_assert_double_eq_tol(f, 2.0 / 3, TOL);
    spytag_eval_topic_scores(ev, 1, &p, &r, &f);
    ck_assert_double_eq_tol(p, 0.5, TOL);
    ck_assert_double_eq_tol(r, 0.5, TOL);
    ck_assert_double_eq_tol(f, 0.5, TOL);
    spytag_eval_topic_scores(ev, 2, &p, &r, &f);
    ck_assert_double_eq(p, 0.0);
    ck_assert_double_eq(r, 0.0);
    ck_assert_double_eq(f, 0.0);
    spytag_eval_free(ev);
}
END_TEST

START_TEST(test_micro_macro)
{
    spytag_eval *ev = tally(3);
    ck_assert_double_eq_tol(spytag_eval_micro_f1(ev), 0.5, TOL);
    ck_assert_double_eq_tol(spytag_eval_macro_f1(ev), (2.0 / 3 + 0.5) / 3,
                            TOL);
    spytag_eval_free(ev);
    /* topic D is never gold nor predicted: F1 0, counted in macro-F1 only */
    ev = tally(4);
    ck_assert_double_eq_tol(spytag_eval_micro_f1(ev), 0.5, TOL);
    ck_assert_double_eq_tol(spytag_eval_macro_f1(ev), (2.0 / 3 + 0.5) / 4,
                            TOL);
    spytag_eval_free(ev);
}
END_TEST

START_TEST(test_perfect_and_empty)
{
    const char *names[] = { "x", "y" };
    const unsigned char g1[] = { 1, 0 }, g2[] = { 0, 1 };
    spytag_eval *ev = spytag_eval_new(names, 2);
    double p, r, f;
    /* nothing counted yet: everything 0, nothing divides by zero */
    ck_assert_double_eq(spytag_eval_micro_f1(ev), 0.0);
    ck_assert_double_eq(spytag_eval_macro_f1(ev), 0.0);
    spytag_eval_topic_scores(ev, 0, &p, &r, &f);
    ck_assert_double_eq(f, 0.0);
    spytag_eval_add(ev, g1, g1);
    spytag_eval_add(ev, g2, g2);
    ck_assert_double_eq(spytag_eval_micro_f1(ev), 1.0);
    ck_assert_double_eq(spytag_eval_macro_f1(ev), 1.0);
    spytag_eval_free(ev);
    /* no topics at all */
    ev = spytag_eval_new(names, 0);
    ck_assert_ptr_nonnull(ev);
    ck_assert_double_eq(spytag_eval_macro_f1(ev), 0.0);
    ck_assert_double_eq(spytag_eval_micro_f1(ev), 0.0);
    spytag_eval_free(ev);
}
END_TEST

START_TEST(test_names_copied)
{
    char name[8] = "alpha";
    const char *names[] = { name };
    spytag_eval *ev = spytag_eval_new(names, 1);
    strcpy(name, "XXXX");
    ck_assert_str_eq(spytag_eval_topic(ev, 0), "alpha");
    spytag_eval_free(ev);
}
END_TEST

/* ---- cross-validation ---------------------------------------------------- */

static size_t nfold_calls;

static void fold_progress(void *user, const char *stage, size_t done,
                          size_t total)
{
    (void)user;
    if (strcmp(stage, "fold") == 0) {
        ck_assert_uint_eq(total, 3);
        nfold_calls++;
    }
}

START_TEST(test_cross_validation)
{
    spytag_corpus *c = tu_fixture_corpus();
    spytag_eval *ev = NULL, *ev2 = NULL;
    spytag_options o;
    spytag_error err;
    size_t t, tp, fp, fn, tp2, fp2, fn2;
    static const size_t positives[3] = { 7, 6, 7 };
    spytag_options_init(&o);
    o.progress = fold_progress;
    nfold_calls = 0;
    ck_assert_int_eq(spytag_cross_validate(c, &o, 3, &ev, &err), SPYTAG_OK);
    ck_assert_uint_eq(nfold_calls, 4);        /* 0, 1, 2 and the end */
    /* every document is scored exactly once, under the corpus topics */
    ck_assert_uint_eq(spytag_eval_docs(ev), 22);
    ck_assert_uint_eq(spytag_eval_ntopics(ev), 3);
    ck_assert_str_eq(spytag_eval_topic(ev, 2), "sailing");
    for (t = 0; t < 3; t++) {
        spytag_eval_counts(ev, t, &tp, &fp, &fn);
        ck_assert_uint_eq(tp + fn, positives[t]);
    }
    /* the fixture is easy */
    ck_assert_msg(spytag_eval_micro_f1(ev) >= 0.8, "micro-F1 %.3f",
                  spytag_eval_micro_f1(ev));
    /* and the folds are fixed by the seed */
    o.progress = NULL;
    ck_assert_int_eq(spytag_cross_validate(c, &o, 3, &ev2, &err), SPYTAG_OK);
    for (t = 0; t < 3; t++) {
        spytag_eval_counts(ev, t, &tp, &fp, &fn);
        spytag_eval_counts(ev2, t, &tp2, &fp2, &fn2);
        ck_assert_uint_eq(tp, tp2);
        ck_assert_uint_eq(fp, fp2);
        ck_assert_uint_eq(fn, fn2);
    }
    spytag_eval_free(ev);
    spytag_eval_free(ev2);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_cross_validation_refused)
{
    spytag_corpus *c = tu_fixture_corpus();
    spytag_eval *ev = (spytag_eval *)1;
    spytag_options o;
    spytag_error err;
    spytag_options_init(&o);
    ck_assert_int_eq(spytag_cross_validate(c, &o, 1, &ev, &err),
                     SPYTAG_EINVAL);
    ck_assert_ptr_null(ev);
    ck_assert_int_eq(spytag_cross_validate(c, &o, 51, &ev, &err),
                     SPYTAG_EINVAL);
    ck_assert_int_eq(spytag_cross_validate(c, &o, 23, &ev, &err),
                     SPYTAG_EEMPTY);          /* 22 documents */
    ck_assert_ptr_nonnull(strstr(err.message, "22"));
    /* bad training settings come back from the folds */
    o.min_df = 0;
    ck_assert_int_eq(spytag_cross_validate(c, &o, 3, &ev, &err),
                     SPYTAG_EINVAL);
    ck_assert_ptr_null(ev);
    /* and a fold's failure says that it was a fold's training set */
    o.min_df = 100;
    ck_assert_int_eq(spytag_cross_validate(c, &o, 3, &ev, &err),
                     SPYTAG_EEMPTY);
    ck_assert_ptr_null(ev);
    ck_assert_msg(strncmp(err.message, "fold 1 of 3 (training on ", 25) == 0 &&
                  strstr(err.message, "of the 22 documents): no word is in "
                                      "at least 100 of the ") != NULL,
                  "message '%s'", err.message);
    spytag_corpus_free(c);
}
END_TEST

static Suite *evaluate_suite(void)
{
    Suite *s = suite_create("evaluate");
    TCase *tc = tcase_create("tally");
    tcase_add_test(tc, test_counts);
    tcase_add_test(tc, test_topic_scores);
    tcase_add_test(tc, test_micro_macro);
    tcase_add_test(tc, test_perfect_and_empty);
    tcase_add_test(tc, test_names_copied);
    suite_add_tcase(s, tc);
    tc = tcase_create("cross-validation");
    tcase_add_test(tc, test_cross_validation);
    tcase_add_test(tc, test_cross_validation_refused);
    tcase_set_timeout(tc, 300);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(evaluate_suite());
}
