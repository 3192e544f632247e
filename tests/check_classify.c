/*
 * check_classify.c - classification (classify.c) with the fixture model:
 * scores, margins and tags agree with the model's thresholds and Platt
 * sigmoids, text without known words gets the bias, invalid UTF-8 never
 * fails, classifiers are reusable and independent (also across threads),
 * spytag_explain names the words of the document behind a topic, and a
 * multi-class model tags the topic of the largest margin.
 */
#include "testutil.h"
#include "internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static spytag_model *model;

static void setup(void)
{
    model = tu_fixture_model();
}

static void teardown(void)
{
    spytag_model_free(model);
}

static const char sky[] =
    "Astronomers at the observatory pointed the telescope at the night sky.";

START_TEST(test_scores_margins_tags)
{
    spytag_classifier *cl = spytag_classifier_new(model);
    double s[3], mg[3];
    unsigned char tg[3];
    size_t t;
    ck_assert_ptr_nonnull(cl);
    ck_assert_int_eq(spytag_classify(cl, sky, strlen(sky), s, mg, tg),
                     SPYTAG_OK);
    for (t = 0; t < 3; t++) {
        ck_assert(s[t] >= 0.0 && s[t] <= 1.0);
        /* multi-label: a tag is a margin at or above the threshold */
        ck_assert_int_eq(tg[t], mg[t] >= spytag_model_threshold(model, t));
        ck_assert_double_eq_tol(s[t], spytag_platt_score(model, t, mg[t]),
                                1e-12);
        /* the public form of it, which `spytag info` uses */
        ck_assert(spytag_model_score(model, t, mg[t]) == s[t]);
    }
    ck_assert_int_eq(tg[0], 1);
    ck_assert_int_eq(tg[1], 0);
    ck_assert_int_eq(tg[2], 0);
    ck_assert(s[0] > 0.5 && s[1] < 0.5 && s[2] < 0.5);
    ck_assert(mg[0] > mg[1] && mg[0] > mg[2]);
    spytag_classifier_free(cl);
    spytag_classifier_free(NULL);
}
END_TEST

START_TEST(test_score_monotonic)
{
    /* more evidence, higher margin and score for astronomy */
    spytag_classifier *cl = spytag_classifier_new(model);
    double s1[3], s2[3], m1[3], m2[3];
    const char *weak = "the telescope and the bread oven and the yacht";
    const char *strong = "the telescope, the observatory, the astronomers";
    spytag_classify(cl, weak, strlen(weak), s1, m1, NULL);
    spytag_classify(cl, strong, strlen(strong), s2, m2, NULL);
    ck_assert(m2[0] > m1[0]);
    ck_assert(s2[0] > s1[0]);
    spytag_classifier_free(cl);
}
END_TEST

START_TEST(test_no_known_words)
{
    /* empty text, unknown words and bad bytes all give the bare bias:
     * the same margins, and the fixture's tags for nothing are none */
    static const struct {
        const char *text;
        size_t len;
    } in[] = {
        { "", 0 },
        { "zebra quokka axolotl", 20 },
        { "\x80\xc0\xaf\xed\xa0\x80\xff\x00\xe4\xb8", 10 },
        { NULL, 0 },
    };
    spytag_classifier *cl = spytag_classifier_new(model);
    double m0[3], m[3];
    unsigned char tg[3];
    size_t i, t;
    ck_assert_int_eq(spytag_classify(cl, "", 0, NULL, m0, NULL), SPYTAG_OK);
    for (i = 0; i < sizeof in / sizeof in[0]; i++) {
        ck_assert_int_eq(spytag_classify(cl, in[i].text, in[i].len, NULL, m,
                                         tg), SPYTAG_OK);
        for (t = 0; t < 3; t++) {
            ck_assert_double_eq(m[t], m0[t]);
            ck_assert_int_eq(tg[t], 0);
        }
    }
    ck_assert_int_eq(spytag_classify(cl, NULL, 3, NULL, NULL, NULL),
                     SPYTAG_EINVAL);
    ck_assert_int_eq(spytag_classify(NULL, "x", 1, NULL, NULL, NULL),
                     SPYTAG_EINVAL);
    ck_assert_ptr_null(spytag_classifier_new(NULL));
    spytag_classifier_free(cl);
}
END_TEST

START_TEST(test_invalid_utf8_mixed)
{
    /* bad bytes between good words do not hide the words */
    const char text[] = "telescope\x80observatory\xc0\xaf" "astronomers";
    char *a = tu_tags(model, text);
    ck_assert_str_eq(a, "astronomy");
    free(a);
    {
        size_t len;
        unsigned char *buf = tu_read(tu_data("tricky-utf8.txt"), &len);
        spytag_classifier *cl = spytag_classifier_new(model);
        unsigned char tg[3];
        ck_assert_int_eq(spytag_classify(cl, (const char *)buf, len, NULL,
                                         NULL, tg), SPYTAG_OK);
        ck_assert_int_eq(tg[0], 1);                  /* astronomy */
        spytag_classifier_free(cl);
        free(buf);
    }
}
END_TEST

START_TEST(test_reuse)
{
    /* one classifier, many documents: the same answers as fresh ones */
    static const char *const texts[] = {
        "The yacht left the harbour in the wind.",
        sky,
        "Bake the bread in the oven.",
        "The yacht left the harbour in the wind.",
        "",
        sky,
    };
    spytag_classifier *cl = spytag_classifier_new(model);
    size_t i, t;
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        spytag_classifier *fresh = spytag_classifier_new(model);
        double a[3], b[3];
        spytag_classify(cl, texts[i], strlen(texts[i]), NULL, a, NULL);
        spytag_classify(fresh, texts[i], strlen(texts[i]), NULL, b, NULL);
        for (t = 0; t < 3; t++)
            ck_assert_double_eq(a[t], b[t]);
        spytag_classifier_free(fresh);
    }
    spytag_classifier_free(cl);
}
END_TEST

START_TEST(test_explain)
{
    spytag_classifier *cl = spytag_classifier_new(model);
    uint32_t f[10];
    double c[10];
    char buf[2 * SPYTAG_MAX_TOKEN_BYTES + 2];
    char lower[sizeof sky], word[sizeof buf];
    size_t n, i, k;
    for (k = 0; k < sizeof sky; k++)
        lower[k] = (char)(sky[k] >= 'A' && sky[k] <= 'Z' ? sky[k] + 32
                                                          : sky[k]);
    spytag_classify(cl, sky, strlen(sky), NULL, NULL, NULL);
    n = spytag_explain(cl, 0, 10, f, c);
    ck_assert_uint_ge(n, 2);
    for (i = 0; i < n; i++) {
        const char *term = spytag_model_term(model, f[i], buf, sizeof buf);
        ck_assert(c[i] > 0);
        if (i)
            ck_assert(c[i - 1] >= c[i]);
        /* every term (the first word of a pair) is in the text */
        snprintf(word, sizeof word, "%s", term);
        word[strcspn(word, " ")] = '\0';
        ck_assert_msg(strstr(lower, word) != NULL,
                      "term '%s' is not in the text", term);
    }
    /* k limits the answer, the largest first */
    {
        uint32_t f1;
        double c1;
        ck_assert_uint_eq(spytag_explain(cl, 0, 1, &f1, &c1), 1);
        ck_assert_uint_eq(f1, f[0]);
        ck_assert_double_eq(c1, c[0]);
    }
    ck_assert_uint_eq(spytag_explain(cl, 0, 0, f, c), 0);
    ck_assert_uint_eq(spytag_explain(cl, 3, 10, f, c), 0);    /* no topic */
    ck_assert_uint_eq(spytag_explain(NULL, 0, 10, f, c), 0);
    /* nothing explains an empty document */
    spytag_classify(cl, "", 0, NULL, NULL, NULL);
    ck_assert_uint_eq(spytag_explain(cl, 0, 10, f, c), 0);
    spytag_classifier_free(cl);
}
END_TEST

struct thread_arg {
    const spytag_model *m;
    const char *text;
    double margin[3];
};

static void *classify_many(void *p)
{
    struct thread_arg *a = p;
    spytag_classifier *cl = spytag_classifier_new(a->m);
    int i;
    for (i = 0; i < 2000; i++)
        spytag_classify(cl, a->text, strlen(a->text), NULL, a->margin, NULL);
    spytag_classifier_free(cl);
    return NULL;
}

START_TEST(test_margins_exact)
{
    /* models of 1 to 33 topics (every width of classify.c's chunks, and
     * the processor's fastest kernel): each margin is bias + the sum of
     * weight x value over the document's features, in the vectoriser's
     * order, in double, to the bit */
    static const size_t Ts[] = { 1, 2, 3, 5, 8, 13, 16, 17, 20, 33 };
    size_t k;
    for (k = 0; k < sizeof Ts / sizeof Ts[0]; k++) {
        size_t T = Ts[k], t, d, i;
        spytag_corpus *c = spytag_corpus_new();
        spytag_model *m = NULL;
        spytag_classifier *cl;
        spytag_options o;
        spytag_vecbuf vb;
        double *margin = malloc(T * sizeof *margin);
        char text[4096] = "", doc[256], topic[32];
        long nf;
        for (t = 0; t < T; t++)
            for (d = 0; d < 3; d++) {
                const char *lab[1] = { topic };
                snprintf(topic, sizeof topic, "topic%zu", t);
                snprintf(doc, sizeof doc, "word%zu common filler term%zu "
                         "word%zu other%zu shared", t, d, t, (t + d) % 7);
                ck_assert_int_eq(spytag_corpus_add(c, doc, doc, strlen(doc),
                                                   lab, 1), SPYTAG_OK);
            }
        for (t = 0; t < T; t += 2) {
            snprintf(doc, sizeof doc, "word%zu common other%zu ", t, t % 7);
            strcat(text, doc);
        }
        spytag_options_init(&o);
        o.tune_folds = 0;
        o.multiclass = 0;
        ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
        ck_assert_uint_eq(spytag_model_ntopics(m), T);
        cl = spytag_classifier_new(m);
        ck_assert_int_eq(spytag_classify(cl, text, strlen(text), NULL,
                                         margin, NULL), SPYTAG_OK);
        ck_assert_int_eq(spytag_vecbuf_init(&vb, &m->vec, &m->opt),
                         SPYTAG_OK);
        nf = spytag_vectorize(&vb, text, strlen(text));
        ck_assert(nf > 0);
        for (t = 0; t < T; t++) {
            double want = m->bias[t];
            for (i = 0; i < (size_t)nf; i++)
                want += m->w[(size_t)vb.out[i].index * T + t] *
                        (double)vb.out[i].value;
            ck_assert_msg(margin[t] == want, "T=%zu topic %zu: %.17g, not "
                          "%.17g", T, t, margin[t], want);
        }
        spytag_vecbuf_free(&vb);
        spytag_classifier_free(cl);
        spytag_model_free(m);
        spytag_corpus_free(c);
        free(margin);
    }
}
END_TEST

START_TEST(test_sparse_rows)
{
    /* a model whose weights are mostly 0 is saved sparse and loads into
     * sparse rows (one to three mask words a row); it gives the same
     * margins, to the bit, as the dense model it was saved from, and the
     * same explanations and top terms */
    static const size_t Ts[] = { 3, 20, 33, 70 };
    size_t k;
    for (k = 0; k < sizeof Ts / sizeof Ts[0]; k++) {
        size_t T = Ts[k], t, d, i, nw, nzero = 0;
        spytag_corpus *c = spytag_corpus_new();
        spytag_model *m = NULL, *back = NULL;
        spytag_classifier *cl, *cb;
        spytag_options o;
        spytag_error err;
        unsigned char *buf = NULL;
        size_t len;
        double *m1 = malloc(T * sizeof *m1), *m2 = malloc(T * sizeof *m2);
        char text[8192] = "", doc[256], topic[32];
        for (t = 0; t < T; t++)
            for (d = 0; d < 3; d++) {
                const char *lab[1] = { topic };
                snprintf(topic, sizeof topic, "topic%zu", t);
                snprintf(doc, sizeof doc, "word%zu common filler term%zu "
                         "word%zu other%zu shared", t, d, t, (t + d) % 7);
                ck_assert_int_eq(spytag_corpus_add(c, doc, doc, strlen(doc),
                                                   lab, 1), SPYTAG_OK);
            }
        for (t = 0; t < T; t += 2) {
            snprintf(doc, sizeof doc, "word%zu common other%zu term%zu ", t,
                     t % 7, t % 3);
            strcat(text, doc);
        }
        spytag_options_init(&o);
        o.tune_folds = 0;
        o.multiclass = 0;
        ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
        nw = spytag_vectorizer_size(&m->vec) * T;
        for (i = 0; i < nw; i++)          /* 4 in 5 weights become 0 */
            if (i % 5) {
                m->w[i] = 0.0f;
                nzero++;
            }
        ck_assert_uint_gt(nzero, 0);
        ck_assert_int_eq(spytag_model_serialize(m, &buf, &len), SPYTAG_OK);
        ck_assert_int_eq(buf[12] & 2, 2);             /* saved sparse */
        memset(&err, 0, sizeof err);
        ck_assert_int_eq(spytag_model_load_buffer(buf, len, "t.model", &back,
                                                  &err), SPYTAG_OK);
        ck_assert_ptr_null(back->w);                  /* sparse rows */
        ck_assert_ptr_nonnull(back->rows);
        cl = spytag_classifier_new(m);
        cb = spytag_classifier_new(back);
        ck_assert_int_eq(spytag_classify(cl, text, strlen(text), NULL, m1,
                                         NULL), SPYTAG_OK);
        ck_assert_int_eq(spytag_classify(cb, text, strlen(text), NULL, m2,
                                         NULL), SPYTAG_OK);
        for (t = 0; t < T; t++) {
            uint32_t fa[5], fb[5];
            double ca[5], cc[5];
            size_t na, nb, j;
            char ta[80], tb[80];
            ck_assert_msg(memcmp(&m1[t], &m2[t], sizeof m1[t]) == 0,
                          "T=%zu topic %zu: %.17g, not %.17g", T, t, m2[t],
                          m1[t]);
            na = spytag_explain(cl, t, 5, fa, ca);
            nb = spytag_explain(cb, t, 5, fb, cc);
            ck_assert_uint_eq(na, nb);
            for (j = 0; j < na; j++) {
                ck_assert(ca[j] == cc[j]);
                ck_assert_str_eq(spytag_model_term(m, fa[j], ta, sizeof ta),
                                 spytag_model_term(back, fb[j], tb,
                                                   sizeof tb));
            }
            na = spytag_model_top_terms(m, t, 5, fa, ca);
            nb = spytag_model_top_terms(back, t, 5, fb, cc);
            ck_assert_uint_eq(na, nb);
            for (j = 0; j < na; j++)
                ck_assert(ca[j] == cc[j]);
        }
        {   /* and it is saved back as the same bytes */
            unsigned char *again = NULL;
            size_t len2;
            ck_assert_int_eq(spytag_model_serialize(back, &again, &len2),
                             SPYTAG_OK);
            ck_assert_uint_eq(len2, len);
            ck_assert_mem_eq(again, buf, len);
            free(again);
        }
        spytag_classifier_free(cl);
        spytag_classifier_free(cb);
        spytag_model_free(back);
        spytag_model_free(m);
        spytag_corpus_free(c);
        free(buf);
        free(m1);
        free(m2);
    }
}
END_TEST

START_TEST(test_threads_share_model)
{
    /* a loaded model is shared by threads, each with its own classifier */
    static const char *const texts[] = {
        sky, "Bake the bread in the oven.", "The yacht crew trimmed the sails",
        "nothing known here",
    };
    struct thread_arg args[4];
    pthread_t th[4];
    int i, t;
    for (i = 0; i < 4; i++) {
        args[i].m = model;
        args[i].text = texts[i];
        ck_assert_int_eq(pthread_create(&th[i], NULL, classify_many, &args[i]),
                         0);
    }
    for (i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (i = 0; i < 4; i++) {
        struct thread_arg one = args[i];
        classify_many(&one);
        for (t = 0; t < 3; t++)
            ck_assert_double_eq(args[i].margin[t], one.margin[t]);
    }
}
END_TEST

/* A multi-class corpus of five topics, three short documents each. */
static spytag_corpus *five_topic_corpus(void)
{
    static const tu_doc docs[] = {
        { "the telescope found a faint galaxy near the comet", "astronomy" },
        { "astronomers watched the comet cross the night sky", "astronomy" },
        { "a new galaxy and a comet seen through the telescope", "astronomy" },
        { "knead the dough and bake the bread in the oven", "baking" },
        { "the baker took warm bread and pastry from the oven", "baking" },
        { "flour yeast and dough rise before the bread is baked", "baking" },
        { "the grandmaster moved her knight and took the bishop", "chess" },
        { "a chess opening sacrifices a pawn to free the bishop", "chess" },
        { "checkmate came when the knight trapped the king", "chess" },
        { "the orchestra tuned violins before the symphony", "music" },
        { "a pianist and the orchestra played the symphony", "music" },
        { "violins and cellos carried the melody of the symphony", "music" },
        { "the crew trimmed the sails as the yacht left harbour", "sailing" },
        { "a yacht with white sails tacked across the harbour", "sailing" },
        { "sailors hoisted the sails and steered the yacht", "sailing" },
    };
    return tu_corpus(docs, sizeof docs / sizeof docs[0]);
}

START_TEST(test_multiclass_argmax)
{
    /* a multi-class model tags exactly the topic of the largest decision
     * value, wherever it stands among the topics: texts of each topic and
     * of mixtures, so that the best is first, last and in between, and the
     * others come in many orders.  (A mutation test found that comparing
     * each topic with topic 0 instead of with the best so far passed
     * every test: the fixture's multi-class tests have three topics.) */
    static const char *const texts[] = {
        "a comet and a galaxy", "bread dough in the oven",
        "the knight took the bishop", "violins in the symphony",
        "the yacht trimmed its sails", "a comet over the harbour yacht",
        "bread for the orchestra", "the knight and the telescope",
        "sails and violins", "bishop bread comet", "yacht symphony dough",
        "pawn galaxy sails", "the king of the oven", "night melody",
        "pastry and chess at the harbour", "",
    };
    spytag_corpus *c = five_topic_corpus();
    spytag_model *m = NULL;
    spytag_classifier *cl;
    spytag_options o;
    double margin[5];
    unsigned char tag[5];
    size_t i, t, best, ntags, seen[5] = { 0 };
    spytag_options_init(&o);
    o.min_df = 1;
    ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
    ck_assert_int_eq(spytag_model_multiclass(m), 1);
    ck_assert_uint_eq(spytag_model_ntopics(m), 5);
    cl = spytag_classifier_new(m);
    ck_assert_ptr_nonnull(cl);
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        ck_assert_int_eq(spytag_classify(cl, texts[i], strlen(texts[i]),
                                         NULL, margin, tag), SPYTAG_OK);
        best = 0;
        ntags = 0;
        for (t = 0; t < 5; t++) {
            if (margin[t] > margin[best])
                best = t;
            ntags += tag[t];
        }
        ck_assert_msg(ntags == 1 && tag[best], "'%s': %zu tags, the best "
                      "(%s) %s", texts[i], ntags, spytag_model_topic(m, best),
                      tag[best] ? "tagged" : "not tagged");
        seen[best]++;
    }
    for (t = 0; t < 5; t++)           /* every topic came out best */
        ck_assert_uint_gt(seen[t], 0);
    spytag_classifier_free(cl);
    spytag_model_free(m);
    spytag_corpus_free(c);
}
END_TEST

static Suite *classify_suite(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("classify");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_scores_margins_tags);
    tcase_add_test(tc, test_score_monotonic);
    tcase_add_test(tc, test_no_known_words);
    tcase_add_test(tc, test_invalid_utf8_mixed);
    tcase_add_test(tc, test_reuse);
    tcase_add_test(tc, test_explain);
    tcase_add_test(tc, test_threads_share_model);
    tcase_add_test(tc, test_margins_exact);
    tcase_add_test(tc, test_sparse_rows);
    tcase_add_test(tc, test_multiclass_argmax);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(classify_suite());
}
