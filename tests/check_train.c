/*
 * check_train.c - training (train.c) on the fixture corpus tests/data/corpus
 * (astronomy, baking, sailing; three documents with no topic, one with
 * two): the model's topics and counts, the exact tags it gives to new
 * sentences, determinism (also on several threads), the three solvers
 * (spytag's own DCD, LIBLINEAR, libsvm), what --balanced does to the
 * decision values, the weight of merged copies, refused corpora and
 * settings,
 * multi-class auto-detection, and the helpers behind thresholds, Platt
 * scores and stratified folds.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* New sentences (not in the corpus) and the tags the fixture model gives. */
static const struct {
    const char *text, *tags;
} expected[] = {
    { "Astronomers pointed the telescope at a distant galaxy.", "astronomy" },
    { "Knead the dough and bake the bread in a hot oven.", "baking" },
    { "The crew trimmed the sails as the yacht left the harbour.", "sailing" },
    { "The sailors steered their boat by the stars of the night sky.",
      "astronomy,sailing" },
    { "The council voted to repair the bridge.", "" },
};

static void assert_expected_tags(const spytag_model *m)
{
    size_t i;
    for (i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        char *tags = tu_tags(m, expected[i].text);
        ck_assert_msg(strcmp(tags, expected[i].tags) == 0,
                      "'%s': tags '%s', expected '%s'", expected[i].text, tags,
                      expected[i].tags);
        free(tags);
    }
}

START_TEST(test_train_fixture)
{
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *m = NULL;
    spytag_options o, got;
    spytag_error err;
    spytag_options_init(&o);
    ck_assert_int_eq(spytag_train(c, &o, &m, &err), SPYTAG_OK);
    ck_assert_uint_eq(spytag_model_ntopics(m), 3);
    ck_assert_str_eq(spytag_model_topic(m, 0), "astronomy");
    ck_assert_str_eq(spytag_model_topic(m, 1), "baking");
    ck_assert_str_eq(spytag_model_topic(m, 2), "sailing");
    ck_assert_uint_eq(spytag_model_positives(m, 0), 7);
    ck_assert_uint_eq(spytag_model_positives(m, 1), 6);
    ck_assert_uint_eq(spytag_model_positives(m, 2), 7);
    ck_assert_uint_eq(spytag_model_ndocs(m), 22);
    ck_assert_int_eq(spytag_model_multiclass(m), 0);   /* 0 or 2 labels */
    ck_assert_str_eq(spytag_model_corpus(m), spytag_corpus_source(c));
    /* min_df 2 on 22 short documents: a small vocabulary */
    ck_assert_uint_gt(spytag_model_vocab_size(m), 20);
    ck_assert_uint_lt(spytag_model_vocab_size(m), 100);
    spytag_model_options(m, &got);
    ck_assert_int_eq(got.ngram_max, o.ngram_max);
    ck_assert_int_eq(got.min_df, o.min_df);
    ck_assert_ptr_null(got.progress);
    spytag_model_free(m);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_exact_tags)
{
    spytag_model *m = tu_fixture_model();
    assert_expected_tags(m);
    spytag_model_free(m);
}
END_TEST

START_TEST(test_top_terms)
{
    /* the heaviest terms of each topic are its own words */
    spytag_model *m = tu_fixture_model();
    uint32_t f[5];
    double w[5];
    char buf[2 * SPYTAG_MAX_TOKEN_BYTES + 2];
    size_t k = spytag_model_top_terms(m, 0, 5, f, w), i;
    int seen = 0;
    ck_assert_uint_eq(k, 5);
    for (i = 0; i < k; i++) {
        const char *t = spytag_model_term(m, f[i], buf, sizeof buf);
        if (i)
            ck_assert(w[i - 1] >= w[i]);
        ck_assert(w[i] > 0);
        seen |= strcmp(t, "telescope") == 0 || strcmp(t, "observatory") == 0
                || strcmp(t, "astronomers") == 0;
    }
    ck_assert_msg(seen, "astronomy's top terms miss telescope/observatory");
    ck_assert_uint_eq(spytag_model_top_terms(m, 3, 5, f, w), 0);  /* no t */
    /* (k = 0: see test_top_terms_none, a known bug) */
    spytag_model_free(m);
}
END_TEST

/* FIXED BUG: model.c spytag_model_top_terms() with k == 0 evaluates
 * `(n == k && wt <= weights[n - 1])` before `k == 0`, so for the first
 * positive weight it reads weights[-1], outside the caller's array (found
 * by AddressSanitizer: stack-buffer-overflow).  The result is right (0);
 * spytag_explain() has the k == 0 test first and is fine.  Not in the
 * list. */
START_TEST(test_top_terms_none)
{
    /* weights at the start of a page after an inaccessible one: reading
     * weights[-1] faults in any build */
    spytag_model *m = tu_fixture_model();
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char *p = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint32_t f[1];
    ck_assert(p != MAP_FAILED);
    ck_assert_int_eq(mprotect(p, (size_t)pg, PROT_NONE), 0);
    ck_assert_uint_eq(spytag_model_top_terms(m, 0, 0, f,
                                             (double *)(p + pg)), 0);
    munmap(p, (size_t)pg * 2);
    spytag_model_free(m);
}
END_TEST

/* Asserts that a and b serialize to the same bytes (same != 0) or to
 * different ones (same == 0); what names the pair in a failure. */
static void assert_bytes(const spytag_model *a, const spytag_model *b,
                         int same, const char *what)
{
    unsigned char *x, *y;
    size_t nx, ny;
    ck_assert_int_eq(spytag_model_serialize(a, &x, &nx), SPYTAG_OK);
    ck_assert_int_eq(spytag_model_serialize(b, &y, &ny), SPYTAG_OK);
    if (same) {
        ck_assert_uint_eq(nx, ny);
        ck_assert_msg(memcmp(x, y, nx) == 0, "%s", what);
    } else {
        ck_assert_msg(nx != ny || memcmp(x, y, nx) != 0, "%s", what);
    }
    free(x);
    free(y);
}

/* Trains c again with o on 4 threads and asserts the same bytes as m. */
static void assert_same_on_4_threads(const spytag_corpus *c, spytag_options o,
                                     const spytag_model *m)
{
    spytag_model *m4 = NULL;
    o.threads = 4;
    ck_assert_int_eq(spytag_train(c, &o, &m4, NULL), SPYTAG_OK);
    assert_bytes(m, m4, 1, "-j 4 differs from -j 1");
    spytag_model_free(m4);
}

START_TEST(test_deterministic)
{
    spytag_model *a = tu_fixture_model(), *b = tu_fixture_model();
    assert_bytes(a, b, 1, "two trainings differ");
    spytag_model_free(a);
    spytag_model_free(b);
}
END_TEST

START_TEST(test_seed_matters)
{
    /* another seed gives other folds, thus other thresholds and bytes */
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *a = NULL, *b = NULL;
    spytag_options o;
    spytag_options_init(&o);
    ck_assert_int_eq(spytag_train(c, &o, &a, NULL), SPYTAG_OK);
    o.seed = 99;
    ck_assert_int_eq(spytag_train(c, &o, &b, NULL), SPYTAG_OK);
    assert_bytes(a, b, 0, "seed 99 gives the same bytes");
    spytag_model_free(a);
    spytag_model_free(b);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_libsvm_solver)
{
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *m = NULL;
    spytag_options o, got;
    spytag_options_init(&o);
    o.solver = SPYTAG_SOLVER_LIBSVM;
    ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
    spytag_model_options(m, &got);
    ck_assert_int_eq(got.solver, SPYTAG_SOLVER_LIBSVM);
    assert_expected_tags(m);
    spytag_model_free(m);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_liblinear_solver)
{
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *m = NULL;
    spytag_options o;
    spytag_options_init(&o);
    o.solver = SPYTAG_SOLVER_LIBLINEAR;
    ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
    assert_expected_tags(m);
    spytag_model_free(m);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_nb_scaling)
{
    /* naive Bayes scaling (the default) and without it both tag the
     * fixture right, with different weights; the model records what was
     * done, and the library solvers, which do not scale, record nb 0 */
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *a = NULL, *b = NULL, *l = NULL;
    spytag_options o, got;
    spytag_options_init(&o);
    ck_assert_int_eq(o.nb, 1);
    ck_assert_int_eq(spytag_train(c, &o, &a, NULL), SPYTAG_OK);
    o.nb = 0;
    ck_assert_int_eq(spytag_train(c, &o, &b, NULL), SPYTAG_OK);
    assert_expected_tags(a);
    assert_expected_tags(b);
    spytag_model_options(a, &got);
    ck_assert_int_eq(got.nb, 1);
    spytag_model_options(b, &got);
    ck_assert_int_eq(got.nb, 0);
    assert_bytes(a, b, 0, "nb 0 gives the same bytes");
    o.nb = 1;
    o.solver = SPYTAG_SOLVER_LIBLINEAR;
    ck_assert_int_eq(spytag_train(c, &o, &l, NULL), SPYTAG_OK);
    spytag_model_options(l, &got);
    ck_assert_int_eq(got.nb, 0);
    spytag_model_free(a);
    spytag_model_free(b);
    spytag_model_free(l);
    spytag_corpus_free(c);
}
END_TEST

/* The mean decision value for topic t of the documents of c that have it
 * (positive 1) or do not (positive 0). */
static double mean_margin(const spytag_model *m, const spytag_corpus *c,
                          size_t t, int positive)
{
    spytag_classifier *cl = spytag_classifier_new(m);
    double *margin = malloc(spytag_model_ntopics(m) * sizeof *margin);
    double sum = 0;
    size_t d, k, n, len, count = 0;
    ck_assert_ptr_nonnull(cl);
    ck_assert_ptr_nonnull(margin);
    for (d = 0; d < spytag_corpus_size(c); d++) {
        const uint16_t *ids = spytag_corpus_doc_topics(c, d, &n);
        const char *text = spytag_corpus_text(c, d, &len);
        for (k = 0; k < n && ids[k] != t; k++)
            ;
        if ((k < n) != positive)
            continue;
        ck_assert_int_eq(spytag_classify(cl, text, len, NULL, margin, NULL),
                         SPYTAG_OK);
        sum += margin[t];
        count++;
    }
    ck_assert_uint_gt(count, 0);
    free(margin);
    spytag_classifier_free(cl);
    return sum / (double)count;
}

START_TEST(test_balanced)
{
    /* --balanced weighs each topic's positives by negatives / positives
     * (here 15/7, 16/6, 15/7): the SVM pulls its positive documents
     * further to the positive side, more than it lets its negatives move,
     * for every topic, with spytag's solver and with LIBLINEAR's.  (A
     * mutation test found that the dcd solver could weigh the negatives
     * instead, with the costs swapped, and every test still passed: that
     * moves the negatives more, down by 0.020 against the positives' 0.004
     * up, where the right weights move the positives up by 0.047 to 0.058
     * and the negatives by less than 0.002.) */
    static const int solvers[] = { SPYTAG_SOLVER_DCD,
                                   SPYTAG_SOLVER_LIBLINEAR };
    spytag_corpus *c = tu_fixture_corpus();
    size_t s, t;
    for (s = 0; s < 2; s++) {
        spytag_model *plain = NULL, *bal = NULL;
        spytag_options o;
        spytag_options_init(&o);
        o.solver = solvers[s];
        ck_assert_int_eq(spytag_train(c, &o, &plain, NULL), SPYTAG_OK);
        o.balanced = 1;
        ck_assert_int_eq(spytag_train(c, &o, &bal, NULL), SPYTAG_OK);
        for (t = 0; t < 3; t++) {
            double up = mean_margin(bal, c, t, 1) -
                        mean_margin(plain, c, t, 1);
            double down = mean_margin(plain, c, t, 0) -
                          mean_margin(bal, c, t, 0);
            ck_assert_msg(up > 0 && up > down, "solver %d, topic %zu: "
                          "positives' mean margin up by %.4f, negatives' "
                          "down by %.4f", solvers[s], t, up, down);
        }
        spytag_model_free(plain);
        spytag_model_free(bal);
    }
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_threads_same_bytes)
{
    /* topics trained on several threads: the same model, byte for byte */
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *a = NULL;
    spytag_options o;
    spytag_options_init(&o);
    o.threads = 1;
    ck_assert_int_eq(spytag_train(c, &o, &a, NULL), SPYTAG_OK);
    assert_same_on_4_threads(c, o, a);
    spytag_model_free(a);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_dcd_weights)
{
    /* a row of weight 2 is the same problem as that row twice */
    static spytag_feat r0[] = { { 0, 1.0f } }, r1[] = { { 0, 0.6f },
                                                       { 1, 0.5f } },
                       r2[] = { { 1, 1.0f } };
    spytag_feat *const twice[] = { r0, r0, r1, r2 }, *const once[] = { r0, r1,
                                                                       r2 };
    static const uint32_t len2[] = { 1, 1, 2, 1 }, len1[] = { 1, 2, 1 };
    static const unsigned char y2[] = { 1, 1, 1, 0 }, y1[] = { 1, 1, 0 };
    static const uint32_t weight[] = { 2, 1, 1 };
    double w2[2], b2, w1[2], b1;
    ck_assert_int_eq(spytag_dcd_solve(twice, len2, 4, 2, y2, NULL, NULL,
                                      NULL, 1.0, 1.0, 1e-9, 100000, 3, NULL,
                                      NULL, 0.0, NULL, w2, &b2), 0);
    ck_assert_int_eq(spytag_dcd_solve(once, len1, 3, 2, y1, NULL, weight,
                                      NULL, 1.0, 1.0, 1e-9, 100000, 3, NULL,
                                      NULL, 0.0, NULL, w1, &b1), 0);
    ck_assert_double_eq_tol(w1[0], w2[0], 1e-5);
    ck_assert_double_eq_tol(w1[1], w2[1], 1e-5);
    ck_assert_double_eq_tol(b1, b2, 1e-5);
}
END_TEST

START_TEST(test_copies_weigh)
{
    /* training merges copies of a document (the same vector and topics)
     * into one row that weighs as many: "orbit kitchen" six times under
     * space and once under food is mostly space, as six separate rows
     * would make it.  (A mutation test found that merged rows weighing 1,
     * so that six copies count as one, passed every test.) */
    static const tu_doc docs[] = {
        { "orbit kitchen", "space" }, { "orbit kitchen", "space" },
        { "orbit kitchen", "space" }, { "orbit kitchen", "space" },
        { "orbit kitchen", "space" }, { "orbit kitchen", "space" },
        { "rocket launch orbit crew", "space" },
        { "orbit station astronauts", "space" },
        { "rocket engines thrust crew", "space" },
        { "kitchen bread soup", "food" },
        { "bread oven baker", "food" },
        { "soup recipe kitchen", "food" },
        { "orbit kitchen", "food" },
    };
    spytag_corpus *c = tu_corpus(docs, sizeof docs / sizeof docs[0]);
    spytag_model *m = NULL;
    spytag_classifier *cl;
    spytag_options o;
    double margin[2];
    size_t space;
    spytag_options_init(&o);
    o.min_df = 1;
    ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
    space = strcmp(spytag_model_topic(m, 0), "space") == 0 ? 0 : 1;
    cl = spytag_classifier_new(m);
    ck_assert_ptr_nonnull(cl);
    ck_assert_int_eq(spytag_classify(cl, "orbit kitchen", 13, NULL, margin,
                                     NULL), SPYTAG_OK);
    /* 0.67 (a row of weight 1 each: 0.04) */
    ck_assert_msg(margin[space] > 0.3, "space %.4f, food %.4f",
                  margin[space], margin[1 - space]);
    spytag_classifier_free(cl);
    spytag_model_free(m);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_dcd_scaled)
{
    /* scale2 = s^2 on the plain rows solves the SVM of the rows scaled by
     * s, with the weights multiplied back by s */
    static spytag_feat p0[] = { { 0, 1.0f }, { 2, 0.5f } },
                       p1[] = { { 0, 0.6f }, { 1, 0.3f } },
                       p2[] = { { 1, 1.0f } },
                       p3[] = { { 1, 0.5f }, { 2, 0.8f } };
    static spytag_feat q0[] = { { 0, 2.0f }, { 2, 0.25f } },
                       q1[] = { { 0, 1.2f }, { 1, -0.15f } },
                       q2[] = { { 1, -0.5f } },
                       q3[] = { { 1, -0.25f }, { 2, 0.4f } };
    spytag_feat *const plain[] = { p0, p1, p2, p3 };
    spytag_feat *const scaled[] = { q0, q1, q2, q3 };
    static const float s[] = { 2.0f, -0.5f, 0.5f }, s2[] = { 4.0f, 0.25f,
                                                            0.25f };
    static const uint32_t len[] = { 2, 2, 1, 2 };
    static const unsigned char y[] = { 1, 1, 0, 0 };
    double ws[3], bs, wp[3], bp, as[4], ap[4];
    size_t f;
    ck_assert_int_eq(spytag_dcd_solve(scaled, len, 4, 3, y, NULL, NULL, NULL,
                                      1.0, 1.0, 1e-9, 100000, 5, NULL, as,
                                      0.0, NULL, ws, &bs), 0);
    ck_assert_int_eq(spytag_dcd_solve(plain, len, 4, 3, y, NULL, NULL, s2,
                                      1.0, 1.0, 1e-9, 100000, 5, NULL, ap,
                                      0.0, NULL, wp, &bp), 0);
    for (f = 0; f < 3; f++)
        ck_assert_double_eq_tol(wp[f], ws[f] * s[f], 1e-5);
    ck_assert_double_eq_tol(bp, bs, 1e-5);
    for (f = 0; f < 4; f++)
        ck_assert_double_eq_tol(ap[f], as[f], 1e-5);
    /* the same with a subset of the rows, warm-started from those alphas */
    {
        static const unsigned char sel[] = { 1, 1, 1, 0 };
        ck_assert_int_eq(spytag_dcd_solve(scaled, len, 4, 3, y, sel, NULL,
                                          NULL, 1.0, 1.0, 1e-9, 100000, 6,
                                          as, NULL, 0.0, NULL, ws, &bs), 0);
        ck_assert_int_eq(spytag_dcd_solve(plain, len, 4, 3, y, sel, NULL,
                                          s2, 1.0, 1.0, 1e-9, 100000, 6, ap,
                                          NULL, 0.0, NULL, wp, &bp), 0);
        for (f = 0; f < 3; f++)
            ck_assert_double_eq_tol(wp[f], ws[f] * s[f], 1e-5);
        ck_assert_double_eq_tol(bp, bs, 1e-5);
    }
    /* and it is not the plain rows' SVM */
    ck_assert_int_eq(spytag_dcd_solve(plain, len, 4, 3, y, NULL, NULL, NULL,
                                      1.0, 1.0, 1e-9, 100000, 5, NULL, NULL,
                                      0.0, NULL, ws, &bs), 0);
    ck_assert(fabs(ws[2] - wp[2]) > 1e-3);
}
END_TEST

START_TEST(test_copies_merged)
{
    /* every document of the fixture three times: trained as one row each
     * (with weight 3), the model still counts every copy (documents,
     * positives), tags the fixture texts alike, and -j 4 gives the same
     * bytes */
    spytag_corpus *c = tu_fixture_corpus(), *c3 = spytag_corpus_new();
    spytag_model *m = NULL;
    spytag_options o;
    size_t d, t, k, n = spytag_corpus_size(c);
    for (k = 0; k < 3; k++)
        for (d = 0; d < n; d++) {
            const char *lab[8], *text;
            size_t nt, len, j;
            const uint16_t *tp = spytag_corpus_doc_topics(c, d, &nt);
            char id[64];
            text = spytag_corpus_text(c, d, &len);
            for (j = 0; j < nt && j < 8; j++)
                lab[j] = spytag_corpus_topic(c, tp[j]);
            snprintf(id, sizeof id, "%zu-%zu", d, k);
            ck_assert_int_eq(spytag_corpus_add(c3, id, text, len, lab, nt),
                             SPYTAG_OK);
        }
    spytag_options_init(&o);
    o.threads = 1;
    ck_assert_int_eq(spytag_train(c3, &o, &m, NULL), SPYTAG_OK);
    ck_assert_uint_eq(spytag_model_ndocs(m), 3 * n);
    for (t = 0; t < spytag_model_ntopics(m); t++) {
        size_t pos = 0;
        for (d = 0; d < n; d++) {
            size_t nt, j;
            const uint16_t *tp = spytag_corpus_doc_topics(c, d, &nt);
            for (j = 0; j < nt; j++)
                pos += strcmp(spytag_corpus_topic(c, tp[j]),
                              spytag_model_topic(m, t)) == 0;
        }
        ck_assert_uint_eq(spytag_model_positives(m, t), 3 * pos);
    }
    assert_expected_tags(m);
    assert_same_on_4_threads(c3, o, m);
    spytag_model_free(m);
    spytag_corpus_free(c);
    spytag_corpus_free(c3);
}
END_TEST

START_TEST(test_dcd_solve)
{
    /* feature 0 marks the positives, feature 1 the negatives: w0 > 0 > w1,
     * every training row on its side, and the same seed the same answer */
    static spytag_feat r0[] = { { 0, 1.0f } }, r1[] = { { 0, 0.8f } },
                       r2[] = { { 1, 1.0f } }, r3[] = { { 1, 0.7f } },
                       r4[] = { { 0, 0.2f }, { 1, 0.9f } };
    spytag_feat *const rows[] = { r0, r1, r2, r3, r4 };
    static const uint32_t len[] = { 1, 1, 1, 1, 2 };
    static const unsigned char y[] = { 1, 1, 0, 0, 0 };
    static const unsigned char sel[] = { 1, 1, 1, 1, 0 };
    double w[2], b, w2[2], b2;
    size_t i;
    ck_assert_int_eq(spytag_dcd_solve(rows, len, 5, 2, y, NULL, NULL, NULL,
                                      1.0, 1.0, 0.01, 1000, 42, NULL, NULL,
                                      0.0, NULL, w, &b), 0);
    ck_assert(w[0] > 0 && w[1] < 0);
    for (i = 0; i < 5; i++) {
        double d = b;
        uint32_t j;
        for (j = 0; j < len[i]; j++)
            d += w[rows[i][j].index] * rows[i][j].value;
        ck_assert_msg((d > 0) == (y[i] != 0), "row %zu on the wrong side", i);
    }
    ck_assert_int_eq(spytag_dcd_solve(rows, len, 5, 2, y, NULL, NULL, NULL,
                                      1.0, 1.0, 0.01, 1000, 42, NULL, NULL,
                                      0.0, NULL, w2, &b2), 0);
    ck_assert_double_eq(w[0], w2[0]);
    ck_assert_double_eq(w[1], w2[1]);
    ck_assert_double_eq(b, b2);
    /* sel leaves row 4 out: it changes the answer */
    ck_assert_int_eq(spytag_dcd_solve(rows, len, 5, 2, y, sel, NULL, NULL,
                                      1.0, 1.0, 0.01, 1000, 42, NULL, NULL,
                                      0.0, NULL, w2, &b2), 0);
    ck_assert(w2[1] != w[1] || b2 != b);
    /* a warm start from the full solution reaches the same optimum as a
     * cold start on the subset (to the solver's tolerance) */
    {
        double alpha[5], w3[2], b3;
        ck_assert_int_eq(spytag_dcd_solve(rows, len, 5, 2, y, NULL, NULL, NULL,
                                          1.0, 1.0, 1e-6, 1000, 42, NULL,
                                          alpha, 0.0, NULL, w, &b), 0);
        for (i = 0; i < 5; i++)
            ck_assert(alpha[i] >= 0.0);
        ck_assert_int_eq(spytag_dcd_solve(rows, len, 5, 2, y, sel, NULL, NULL,
                                          1.0, 1.0, 1e-6, 1000, 7, NULL,
                                          NULL, 0.0, NULL, w2, &b2), 0);
        ck_assert_int_eq(spytag_dcd_solve(rows, len, 5, 2, y, sel, NULL, NULL,
                                          1.0, 1.0, 1e-6, 1000, 7, alpha,
                                          NULL, 0.0, NULL, w3, &b3), 0);
        ck_assert_double_eq_tol(w2[0], w3[0], 1e-4);
        ck_assert_double_eq_tol(w2[1], w3[1], 1e-4);
        ck_assert_double_eq_tol(b2, b3, 1e-4);
    }
}
END_TEST

START_TEST(test_dcd_block)
{
    /* three topics trained together reach each one's own optimum (to the
     * solver's tolerance): the same weights, bias, dual values and
     * leave-one-out estimates as when trained alone, whatever the
     * scaling and costs of the others */
    static spytag_feat r0[] = { { 0, 1.0f }, { 2, 0.3f } },
                       r1[] = { { 0, 0.8f }, { 3, 0.5f } },
                       r2[] = { { 1, 1.0f } },
                       r3[] = { { 1, 0.7f }, { 2, 0.4f } },
                       r4[] = { { 0, 0.5f }, { 1, 0.9f } },
                       r5[] = { { 2, 0.6f }, { 3, 0.8f } };
    spytag_feat *const rows[] = { r0, r1, r2, r3, r4, r5 };
    static const uint32_t len[] = { 2, 2, 1, 2, 2, 2 };
    static const unsigned char y[3][6] = { { 1, 1, 0, 0, 1, 0 },
                                           { 0, 0, 1, 1, 0, 0 },
                                           { 0, 1, 0, 0, 0, 1 } };
    static const uint32_t weight[] = { 1, 2, 1, 1, 3, 1 };
    static const float s2[3][4] = { { 2.0f, 0.5f, 1.5f, 1.0f },
                                    { 1.0f, 1.0f, 1.0f, 1.0f },
                                    { 0.3f, 1.2f, 0.8f, 2.5f } };
    static const double cpos[3] = { 1.0, 2.0, 0.5 };
    spytag_dcd_topic tp[3];
    float wb[4 * 6];
    double alpha[3][6], loo[3][6], w[4], b, a1[6], l1[6];
    size_t t, i;
    for (t = 0; t < 3; t++) {
        memset(&tp[t], 0, sizeof tp[t]);
        tp[t].y = y[t];
        tp[t].scale2 = s2[t];
        tp[t].C_pos = cpos[t];
        tp[t].C_neg = 1.0;
        tp[t].alpha_out = alpha[t];
        tp[t].loo_out = loo[t];
    }
    ck_assert_int_eq(spytag_dcd_solve_block(rows, len, 6, 4, NULL, weight,
                                            3, tp, 1e-7, 10000, 5, 0.5, wb),
                     0);
    for (t = 0; t < 3; t++) {
        ck_assert(tp[t].passes >= 2);
        ck_assert_int_eq(spytag_dcd_solve(rows, len, 6, 4, y[t], NULL, weight,
                                          s2[t], cpos[t], 1.0, 1e-7, 10000,
                                          11 + t, NULL, a1, 0.5, l1, w, &b),
                         0);
        for (i = 0; i < 4; i++) {
            ck_assert_double_eq_tol(wb[i * 6 + t], w[i], 1e-4);
            ck_assert_float_eq(wb[i * 6 + 3 + t], s2[t][i]);  /* kept */
        }
        ck_assert_double_eq_tol(tp[t].bias, b, 1e-4);
        for (i = 0; i < 6; i++) {
            ck_assert_double_eq_tol(alpha[t][i], a1[i], 1e-4);
            ck_assert_double_eq_tol(loo[t][i], l1[i], 1e-4);
        }
    }
    /* without scaling (then S = K), each topic reaches its own optimum
     * too; and scaling for some topics only is refused */
    for (t = 0; t < 3; t++)
        tp[t].scale2 = NULL;
    ck_assert_int_eq(spytag_dcd_solve_block(rows, len, 6, 4, NULL, weight,
                                            3, tp, 1e-7, 10000, 5, 0.5, wb),
                     0);
    for (t = 0; t < 3; t++) {
        ck_assert_int_eq(spytag_dcd_solve(rows, len, 6, 4, y[t], NULL, weight,
                                          NULL, cpos[t], 1.0, 1e-7, 10000,
                                          11 + t, NULL, a1, 0.5, l1, w, &b),
                         0);
        for (i = 0; i < 4; i++)
            ck_assert_double_eq_tol(wb[i * 3 + t], w[i], 1e-4);
        ck_assert_double_eq_tol(tp[t].bias, b, 1e-4);
        for (i = 0; i < 6; i++)
            ck_assert_double_eq_tol(loo[t][i], l1[i], 1e-4);
    }
    tp[1].scale2 = s2[1];
    ck_assert_int_eq(spytag_dcd_solve_block(rows, len, 6, 4, NULL, weight,
                                            3, tp, 0.1, 10, 5, 0.5, wb), -1);
    /* the block size is checked */
    ck_assert_int_eq(spytag_dcd_solve_block(rows, len, 6, 4, NULL, NULL, 0,
                                            tp, 0.1, 10, 5, 0.5, wb), -1);
    ck_assert_int_eq(spytag_dcd_solve_block(rows, len, 6, 4, NULL, NULL,
                                            DCD_MAX_K + 1, tp, 0.1, 10, 5,
                                            0.5, wb), -1);
}
END_TEST

START_TEST(test_dcd_loo)
{
    /* the leave-one-out estimates are each selected row's decision value
     * under the returned model less rho alpha y Q_ii, where Q_ii is the
     * squared norm of the row as scaled (s2), plus 1 for the bias */
    static spytag_feat r0[] = { { 0, 1.0f }, { 2, 0.3f } },
                       r1[] = { { 0, 0.8f } }, r2[] = { { 1, 1.0f } },
                       r3[] = { { 1, 0.7f }, { 2, 0.4f } },
                       r4[] = { { 0, 0.5f }, { 1, 0.9f } };
    spytag_feat *const rows[] = { r0, r1, r2, r3, r4 };
    static const uint32_t len[] = { 2, 1, 1, 2, 2 };
    static const unsigned char y[] = { 1, 1, 0, 0, 1 };
    static const unsigned char sel[] = { 1, 1, 1, 0, 1 };
    static const float s2[] = { 2.0f, 0.5f, 1.5f };
    double w[3], b, alpha[5], loo[5];
    size_t i;
    int k, support = 0;
    for (k = 0; k < 2; k++) {
        const unsigned char *use = k ? sel : NULL;
        for (i = 0; i < 5; i++)
            loo[i] = -99.0;
        ck_assert_int_eq(spytag_dcd_solve(rows, len, 5, 3, y, use, NULL, s2,
                                          1.0, 1.0, 1e-6, 1000, 3, NULL,
                                          alpha, 0.5, loo, w, &b), 0);
        for (i = 0; i < 5; i++) {
            double d = b, sq = 1.0, yi = y[i] ? 1.0 : -1.0;
            uint32_t j;
            if (use && !use[i]) {
                ck_assert_double_eq(loo[i], -99.0);  /* not written */
                continue;
            }
            for (j = 0; j < len[i]; j++) {
                double v = rows[i][j].value;
                d += w[rows[i][j].index] * v;
                sq += v * v * s2[rows[i][j].index];
            }
            support += alpha[i] > 0.0;
            ck_assert_double_eq_tol(loo[i], d - 0.5 * alpha[i] * yi * sq,
                                    1e-6);
        }
    }
    ck_assert(support > 0);     /* the term was there to check */
}
END_TEST

START_TEST(test_no_tuning)
{
    /* tune_folds 0: thresholds 0 and the fixed sigmoid 1/(1+exp(-2m)) */
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *m = NULL;
    spytag_classifier *cl;
    spytag_options o;
    double score[3], margin[3];
    size_t t;
    spytag_options_init(&o);
    o.tune_folds = 0;
    ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
    cl = spytag_classifier_new(m);
    ck_assert_int_eq(spytag_classify(cl, "telescope", 9, score, margin, NULL),
                     SPYTAG_OK);
    for (t = 0; t < 3; t++) {
        ck_assert_double_eq(spytag_model_threshold(m, t), 0.0);
        ck_assert_double_eq_tol(score[t], 1.0 / (1.0 + exp(-2.0 * margin[t])),
                                1e-12);
    }
    spytag_classifier_free(cl);
    spytag_model_free(m);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_loo_tuning)
{
    /* the fixture (22 documents) is below SPYTAG_LOO_MIN_DOCS: auto tunes
     * with fold models; forced, the leave-one-out estimate tunes instead,
     * gives other thresholds, tags the fixture texts alike, is recorded in
     * the model, and is the same on 1 and 4 threads */
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *folds = NULL, *loo = NULL;
    spytag_options o, got;
    size_t t, differ = 0;
    spytag_options_init(&o);
    ck_assert_int_eq(o.tune_method, SPYTAG_AUTO);
    ck_assert_int_eq(spytag_train(c, &o, &folds, NULL), SPYTAG_OK);
    spytag_model_options(folds, &got);
    ck_assert_int_eq(got.tune_method, SPYTAG_TUNE_FOLDS);
    o.tune_method = SPYTAG_TUNE_LOO;
    o.threads = 1;
    ck_assert_int_eq(spytag_train(c, &o, &loo, NULL), SPYTAG_OK);
    spytag_model_options(loo, &got);
    ck_assert_int_eq(got.tune_method, SPYTAG_TUNE_LOO);
    assert_expected_tags(loo);
    for (t = 0; t < spytag_model_ntopics(loo); t++)
        differ += spytag_model_threshold(loo, t) !=
                  spytag_model_threshold(folds, t);
    ck_assert_uint_gt(differ, 0);
    assert_same_on_4_threads(c, o, loo);
    spytag_model_free(folds);
    spytag_model_free(loo);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_topic_without_positive)
{
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *m = (spytag_model *)1;
    spytag_options o;
    spytag_error err;
    spytag_options_init(&o);
    ck_assert_int_eq(spytag_corpus_add_topic(c, "gardening"), SPYTAG_OK);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(spytag_train(c, &o, &m, &err), SPYTAG_EEMPTY);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(err.status, SPYTAG_EEMPTY);
    ck_assert_msg(strstr(err.message, "gardening") != NULL, "message '%s'",
                  err.message);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_subset_without_positive)
{
    /* the same through a subset that leaves out every baking document */
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *m = NULL;
    spytag_options o;
    spytag_error err;
    unsigned char use[22], has[3];
    size_t d;
    spytag_options_init(&o);
    for (d = 0; d < 22; d++) {
        spytag_corpus_labels(c, d, has);
        use[d] = !has[1];
    }
    ck_assert_int_eq(spytag_train_subset(c, use, &o, &m, &err),
                     SPYTAG_EEMPTY);
    ck_assert_ptr_nonnull(strstr(err.message, "baking"));
    /* and a subset that keeps some of each trains, on fewer documents */
    for (d = 0; d < 22; d++)
        use[d] = d % 2 == 0;
    ck_assert_int_eq(spytag_train_subset(c, use, &o, &m, &err), SPYTAG_OK);
    ck_assert_uint_eq(spytag_model_ndocs(m), 11);
    spytag_model_free(m);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_empty_corpora)
{
    spytag_corpus *c = spytag_corpus_new();
    spytag_model *m = NULL;
    spytag_options o;
    spytag_error err;
    const char *lab = "x";
    spytag_options_init(&o);
    /* no documents, no topics */
    ck_assert_int_eq(spytag_train(c, &o, &m, &err), SPYTAG_EEMPTY);
    /* documents without any topic */
    ck_assert_int_eq(spytag_corpus_add(c, "a", "some words here", 15, NULL, 0),
                     SPYTAG_OK);
    ck_assert_int_eq(spytag_train(c, &o, &m, &err), SPYTAG_EEMPTY);
    ck_assert_ptr_null(m);
    spytag_corpus_free(c);
    /* a topic on every document: one class only, still a model */
    c = spytag_corpus_new();
    ck_assert_int_eq(spytag_corpus_add(c, "a", "alpha beta", 10, &lab, 1), 0);
    ck_assert_int_eq(spytag_corpus_add(c, "b", "alpha gamma", 11, &lab, 1), 0);
    ck_assert_int_eq(spytag_train(c, &o, &m, &err), SPYTAG_OK);
    ck_assert_int_eq(spytag_model_multiclass(m), 0);   /* needs 2 topics */
    spytag_model_free(m);
    m = NULL;
    /* no word in min_df documents: no terms, so no model (one of no terms
     * would give every text the same scores) */
    o.min_df = 3;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(spytag_train(c, &o, &m, &err), SPYTAG_EEMPTY);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err.message, "no word is in at least 3 of the 2 "
                                      "documents") != NULL,
                  "message '%s'", err.message);
    o.min_df = 1;
    o.max_df = 0.4;             /* every word is in half of them or more */
    ck_assert_int_eq(spytag_train(c, &o, &m, &err), SPYTAG_EEMPTY);
    ck_assert_ptr_nonnull(strstr(err.message, "at most 40% of the 2"));
    spytag_corpus_free(c);
}
END_TEST

/* The fixture with one more topic on every document: "zzz-all", a topic
 * of one class only, trained in the same group as the others. */
static spytag_corpus *corpus_with_topic_on_all(void)
{
    spytag_corpus *all = tu_fixture_corpus(), *c = spytag_corpus_new();
    size_t d, len, n, j;
    for (d = 0; d < spytag_corpus_size(all); d++) {
        const uint16_t *ids = spytag_corpus_doc_topics(all, d, &n);
        const char *lab[8];
        const char *text = spytag_corpus_text(all, d, &len);
        ck_assert_uint_lt(n, 8);
        for (j = 0; j < n; j++)
            lab[j] = spytag_corpus_topic(all, ids[j]);
        lab[n] = "zzz-all";
        ck_assert_int_eq(spytag_corpus_add(c, spytag_corpus_id(all, d), text,
                                           len, lab, n + 1), SPYTAG_OK);
    }
    spytag_corpus_free(all);
    return c;
}

/* Whether comma-separated tag lists a and b hold the same tags, in any
 * order. */
static int same_tags(const char *a, const char *b)
{
    char wrapped[512], tok[128];
    const char *p = b;
    if (strlen(a) != strlen(b))
        return 0;
    snprintf(wrapped, sizeof wrapped, ",%s,", a);
    while (*p) {
        size_t n = strcspn(p, ",");
        snprintf(tok, sizeof tok, ",%.*s,", (int)n, p);
        if (!strstr(wrapped, tok))
            return 0;
        p += n + (p[n] == ',');
    }
    return 1;
}

START_TEST(test_group_with_one_class_topic)
{
    /* a one-class topic among the others of a group of 4 (not a multiple
     * of the group size): it is assigned to everything, and the other
     * topics still give the fixture's tags, with each solver (the topics
     * are numbered by first use, so "zzz-all" is the second) */
    spytag_corpus *c = corpus_with_topic_on_all();
    static const int solvers[] = { SPYTAG_SOLVER_DCD,
                                   SPYTAG_SOLVER_LIBLINEAR };
    size_t i, k;
    for (k = 0; k < 2; k++) {
        spytag_model *m = NULL;
        spytag_options o;
        spytag_error err;
        spytag_options_init(&o);
        o.solver = solvers[k];
        o.threads = 2;
        ck_assert_int_eq(spytag_train(c, &o, &m, &err), SPYTAG_OK);
        ck_assert_uint_eq(spytag_model_ntopics(m), 4);
        for (i = 0; i < sizeof expected / sizeof expected[0]; i++) {
            char *tags = tu_tags(m, expected[i].text), want[256];
            snprintf(want, sizeof want, "%s%szzz-all", expected[i].tags,
                     *expected[i].tags ? "," : "");
            ck_assert_msg(same_tags(tags, want),
                          "solver %d, '%s': tags '%s', expected '%s'",
                          solvers[k], expected[i].text, tags, want);
            free(tags);
        }
        spytag_model_free(m);
    }
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_bad_settings)
{
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *m = NULL;
    spytag_options o;
    spytag_error err;
    int i;
    for (i = 0; i < 17; i++) {
        spytag_options_init(&o);
        switch (i) {
        case 0: o.ngram_max = 3; break;
        case 1: o.ngram_max = 0; break;
        case 2: o.min_df = 0; break;
        case 3: o.max_df = 0.0; break;
        case 4: o.max_df = 1.5; break;
        case 5: o.tune_folds = 1; break;
        case 6: o.tune_folds = 21; break;
        case 7: o.solver = 3; break;
        case 8: o.nb = 2; break;
        case 9: o.tune_method = 2; break;
        case 10:              /* leave-one-out needs the dcd solver */
            o.tune_method = SPYTAG_TUNE_LOO;
            o.solver = SPYTAG_SOLVER_LIBLINEAR;
            break;
        /* FIXED BUG: these were taken; stem or stopwords 2 wrote a model
         * that spytag_model_load refused ("bad settings block"), and C <= 0
         * trained with C = 1 while the header promised a choice by
         * cross-validation */
        case 11: o.stem = 2; break;
        case 12: o.stopwords = -1; break;
        case 13: o.balanced = 9; break;
        case 14: o.C = 0.0; break;
        case 15: o.C = -1.0; break;
        case 16: o.C = NAN; break;
        }
        ck_assert_msg(spytag_train(c, &o, &m, &err) == SPYTAG_EINVAL,
                      "setting %d accepted", i);
        ck_assert_ptr_null(m);
    }
    spytag_options_init(&o);
    ck_assert_int_eq(spytag_train(NULL, &o, &m, &err), SPYTAG_EINVAL);
    ck_assert_int_eq(spytag_train(c, NULL, &m, &err), SPYTAG_EINVAL);
    spytag_corpus_free(c);
}
END_TEST

/* The fixture's single-label documents only (astronomy, baking, sailing). */
static spytag_corpus *single_label_corpus(void)
{
    spytag_corpus *all = tu_fixture_corpus(), *c = spytag_corpus_new();
    size_t d, len;
    for (d = 0; d < spytag_corpus_size(all); d++) {
        size_t n;
        const uint16_t *ids = spytag_corpus_doc_topics(all, d, &n);
        const char *lab;
        const char *text = spytag_corpus_text(all, d, &len);
        if (n != 1)
            continue;
        lab = spytag_corpus_topic(all, ids[0]);
        ck_assert_int_eq(spytag_corpus_add(c, spytag_corpus_id(all, d), text,
                                           len, &lab, 1), SPYTAG_OK);
    }
    spytag_corpus_free(all);
    ck_assert_uint_eq(spytag_corpus_size(c), 18);
    return c;
}

START_TEST(test_multiclass_auto)
{
    spytag_corpus *c = single_label_corpus();
    spytag_model *m = NULL;
    spytag_options o;
    char *tags;
    spytag_options_init(&o);
    ck_assert_int_eq(o.multiclass, SPYTAG_AUTO);
    ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
    ck_assert_int_eq(spytag_model_multiclass(m), 1);
    /* exactly one topic, even for a sentence about none of them */
    tags = tu_tags(m, "The council voted to repair the bridge.");
    ck_assert_ptr_null(strchr(tags, ','));
    ck_assert(tags[0] != '\0');
    free(tags);
    tags = tu_tags(m, "Bake the bread dough in the oven.");
    ck_assert_str_eq(tags, "baking");
    free(tags);
    tags = tu_tags(m, "");
    ck_assert(tags[0] != '\0' && !strchr(tags, ','));
    free(tags);
    spytag_model_free(m);
    /* forced multi-label on the same corpus */
    o.multiclass = 0;
    ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
    ck_assert_int_eq(spytag_model_multiclass(m), 0);
    tags = tu_tags(m, "The council voted to repair the bridge.");
    ck_assert_str_eq(tags, "");
    free(tags);
    spytag_model_free(m);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_multiclass_forced)
{
    /* forcing multi-class on the multi-label fixture */
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *m = NULL;
    spytag_options o;
    char *tags;
    spytag_options_init(&o);
    o.multiclass = 1;
    ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
    ck_assert_int_eq(spytag_model_multiclass(m), 1);
    tags = tu_tags(m, expected[3].text);          /* two topics before */
    ck_assert_ptr_null(strchr(tags, ','));
    free(tags);
    spytag_model_free(m);
    spytag_corpus_free(c);
}
END_TEST

static size_t ncalls;

static void count_progress(void *user, const char *stage, size_t done,
                           size_t total)
{
    (void)user;
    ck_assert_ptr_nonnull(stage);
    ck_assert_uint_le(done, total);
    ncalls++;
}

START_TEST(test_progress_called)
{
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *m = NULL;
    spytag_options o;
    spytag_options_init(&o);
    o.progress = count_progress;
    ncalls = 0;
    ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
    ck_assert_uint_ge(ncalls, 4);          /* 3 topics and the end */
    spytag_model_free(m);
    spytag_corpus_free(c);
}
END_TEST

/* ---- helpers ----------------------------------------------------------- */

START_TEST(test_best_threshold)
{
    /* separable: the cut halfway between 2 and 1 gives F1 1 */
    static const double dec[] = { 3.0, 2.0, 1.0, -1.0 };
    static const unsigned char y[] = { 1, 1, 0, 0 };
    /* one positive below a negative: best is to take all three of the top
     * (tp 2, fp 1: F1 0.8) rather than the first (tp 1: F1 0.667) */
    static const double dec2[] = { 0.9, 0.5, 0.1, -0.4, -0.8 };
    static const unsigned char y2[] = { 1, 0, 1, 0, 0 };
    double f1 = -1;
    ck_assert_double_eq_tol(spytag_best_threshold(dec, y, 4, &f1), 1.5, 1e-12);
    ck_assert_double_eq_tol(f1, 1.0, 1e-12);
    ck_assert_double_eq_tol(spytag_best_threshold(dec2, y2, 5, &f1), -0.15,
                            1e-12);
    ck_assert_double_eq_tol(f1, 0.8, 1e-12);
    ck_assert_double_eq_tol(spytag_best_threshold(dec, y, 4, NULL), 1.5,
                            1e-12);
}
END_TEST

START_TEST(test_platt_fit)
{
    /* positives have larger decision values: A < 0, so the score grows
     * with the margin, and lies on the right sides of 1/2 */
    static const double dec[] = { 2.0, 1.5, 1.2, 0.3, -0.2, -1.0, -1.4, -2.2 };
    static const unsigned char y[] = { 1, 1, 1, 0, 1, 0, 0, 0 };
    double a, b;
    spytag_platt_fit(dec, y, 8, &a, &b);
    ck_assert(isfinite(a) && isfinite(b));
    ck_assert(a < 0);
    ck_assert(1.0 / (1.0 + exp(a * 2.0 + b)) > 0.8);
    ck_assert(1.0 / (1.0 + exp(a * -2.2 + b)) < 0.2);
}
END_TEST

START_TEST(test_platt_fit_unbalanced)
{
    /* 3 positives, 9 negatives: Platt's targets (4/5 for a positive, 1/11
     * for a negative) differ, so a mix-up of the two priors shows.  A and
     * B minimise the same cross-entropy in scipy's BFGS (gtol 1e-12):
     * -1.12441823, 1.19284703; with the priors swapped, -0.751, 0.623.
     * (A mutation test found that the balanced case above could not tell
     * the two apart.) */
    static const double dec[] = { 2.1, 1.3, 0.4, 0.9, -0.3, -0.8, -1.1, -1.6,
                                  -0.2, 0.5, -2.0, -0.7 };
    static const unsigned char y[] = { 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    double a, b;
    spytag_platt_fit(dec, y, 12, &a, &b);
    ck_assert_double_eq_tol(a, -1.12441823, 1e-4);
    ck_assert_double_eq_tol(b, 1.19284703, 1e-4);
}
END_TEST

START_TEST(test_tuned_threshold)
{
    /* the best F1 threshold, kept as it is when its F1 reaches 0.3; below
     * that (SCut.FBR), 0 when it is below 0, itself when it is above.  (A
     * mutation test found that always falling back to 0 passed every
     * test.) */
    static const double good_dec[] = { 1.0, 0.2, -0.4, -0.6, -1.5, -2.0 };
    static const unsigned char good_y[] = { 1, 1, 1, 0, 0, 0 };
    /* one positive at 0.8 under seven negatives: F1 2/9 at best */
    static const double high_dec[] = { 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9,
                                       0.8, 0.5, -1.0, -1.2, -1.4 };
    static const unsigned char high_y[] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
                                            0, 0 };
    /* the same below 0 */
    static const double low_dec[] = { -0.1, -0.2, -0.3, -0.4, -0.5, -0.6,
                                      -0.7, -0.8, -1.5, -2.0 };
    static const unsigned char low_y[] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 };
    double f1, thr;

    thr = spytag_best_threshold(good_dec, good_y, 6, &f1);
    ck_assert_double_eq_tol(thr, -0.5, 1e-12);
    ck_assert_double_eq_tol(f1, 1.0, 1e-12);
    ck_assert_double_eq(spytag_tuned_threshold(good_dec, good_y, 6), thr);

    thr = spytag_best_threshold(high_dec, high_y, 12, &f1);
    ck_assert_double_eq_tol(thr, 0.65, 1e-12);
    ck_assert_double_eq_tol(f1, 2.0 / 9.0, 1e-12);
    ck_assert_double_eq(spytag_tuned_threshold(high_dec, high_y, 12), thr);

    thr = spytag_best_threshold(low_dec, low_y, 10, &f1);
    ck_assert_double_eq_tol(thr, -1.15, 1e-12);
    ck_assert_double_eq_tol(f1, 2.0 / 9.0, 1e-12);
    ck_assert_double_eq(spytag_tuned_threshold(low_dec, low_y, 10), 0.0);
}
END_TEST

START_TEST(test_assign_folds)
{
    /* 30 documents in 3 groups of 10 (key 0, 1, 2): 3 folds get 10 each,
     * with 3 or 4 of every group; the same seed gives the same folds */
    size_t key[30], i;
    unsigned char f1[30], f2[30], f3[30];
    int count[3][3] = { { 0 } }, fold_size[3] = { 0 };
    for (i = 0; i < 30; i++)
        key[i] = i % 3;
    spytag_assign_folds(key, 30, 3, 7, f1);
    spytag_assign_folds(key, 30, 3, 7, f2);
    spytag_assign_folds(key, 30, 3, 8, f3);
    ck_assert_mem_eq(f1, f2, 30);
    ck_assert(memcmp(f1, f3, 30) != 0);
    for (i = 0; i < 30; i++) {
        ck_assert_uint_lt(f1[i], 3);
        count[key[i]][f1[i]]++;
        fold_size[f1[i]]++;
    }
    for (i = 0; i < 3; i++) {
        int g;
        ck_assert_int_eq(fold_size[i], 10);
        for (g = 0; g < 3; g++)
            ck_assert(count[g][i] == 3 || count[g][i] == 4);
    }
}
END_TEST

static Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("fixture");
    tcase_add_test(tc, test_train_fixture);
    tcase_add_test(tc, test_exact_tags);
    tcase_add_test(tc, test_top_terms);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_seed_matters);
    tcase_add_test(tc, test_libsvm_solver);
    tcase_add_test(tc, test_liblinear_solver);
    tcase_add_test(tc, test_threads_same_bytes);
    tcase_add_test(tc, test_nb_scaling);
    tcase_add_test(tc, test_copies_weigh);
    tcase_add_test(tc, test_balanced);
    tcase_add_test(tc, test_no_tuning);
    tcase_add_test(tc, test_loo_tuning);
    tcase_add_test(tc, test_copies_merged);
    tcase_add_test(tc, test_progress_called);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);

    tc = tcase_create("refused");
    tcase_add_test(tc, test_topic_without_positive);
    tcase_add_test(tc, test_subset_without_positive);
    tcase_add_test(tc, test_empty_corpora);
    tcase_add_test(tc, test_bad_settings);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);

    tc = tcase_create("multiclass");
    tcase_add_test(tc, test_multiclass_auto);
    tcase_add_test(tc, test_multiclass_forced);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);

    tc = tcase_create("helpers");
    tcase_add_test(tc, test_best_threshold);
    tcase_add_test(tc, test_platt_fit);
    tcase_add_test(tc, test_platt_fit_unbalanced);
    tcase_add_test(tc, test_tuned_threshold);
    tcase_add_test(tc, test_assign_folds);
    tcase_add_test(tc, test_dcd_solve);
    tcase_add_test(tc, test_dcd_loo);
    tcase_add_test(tc, test_dcd_block);
    tcase_add_test(tc, test_group_with_one_class_topic);
    tcase_add_test(tc, test_dcd_weights);
    tcase_add_test(tc, test_dcd_scaled);
    suite_add_tcase(s, tc);

    {   /* regressions: bugs found by these tests, now fixed */
        tc = tcase_create("regressions");
        tcase_add_test(tc, test_top_terms_none);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    return tu_run(train_suite());
}
