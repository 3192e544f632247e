/*
 * check_tfidf.c - the vectoriser (tfidf.c) against numbers computed by hand
 * on two 3-document corpora (and a few smaller ones): vocabulary order,
 * IDF, sublinear TF, L2 norm, min_df and max_df pruning, word-pair
 * features, and the classification-time path (spytag_vecbuf_init /
 * spytag_vectorize) agreeing with fitting, stemmed too.
 *
 * Formulas (N = 3 documents):
 *   tf = 1 + ln(count)        idf = ln((1 + N) / (1 + df)) + 1
 *   idf(df=1) = 1 + ln 2      = 1.6931472
 *   idf(df=2) = 1 + ln(4/3)   = 1.2876821
 *   idf(df=3) = 1
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-5

/* Corpus A: words only. */
static const char *const corpus_a[] = {
    "apple banana apple",          /* apple x2 (df 1), banana (df 2) */
    "banana cherry",               /* banana, cherry (df 2) */
    "cherry cherry date",          /* cherry x2, date (df 1) */
};
/* Corpus B: word pairs. */
static const char *const corpus_b[] = {
    "red wine tasting",
    "red wine cellar",
    "white wine",
};

static spytag_corpus *make_corpus(const char *const *texts, size_t n)
{
    spytag_corpus *c = spytag_corpus_new();
    size_t i;
    ck_assert_ptr_nonnull(c);
    for (i = 0; i < n; i++)
        tu_add(c, i, texts[i], NULL);
    return c;
}

struct fitted {
    spytag_vectorizer v;
    spytag_feat **rows;
    uint32_t *rowlen;
    size_t n;
    spytag_options o;
};

/* Fits the n texts (those with use[i], or all) with options o. */
static void fit_with(struct fitted *f, const char *const *texts, size_t n,
                     const unsigned char *use, const spytag_options *o)
{
    spytag_corpus *c = make_corpus(texts, n);
    spytag_error err;
    size_t i;
    memset(f, 0, sizeof *f);
    f->o = *o;
    ck_assert_int_eq(spytag_vectorizer_fit(&f->v, c, use, &f->o, &f->rows,
                                           &f->rowlen, &err), SPYTAG_OK);
    for (i = 0; i < n; i++)
        f->n += !use || use[i];
    spytag_corpus_free(c);
}

static void fit(struct fitted *f, const char *const *texts, size_t n,
                const unsigned char *use, int ngram, int min_df,
                double max_df)
{
    spytag_options o;
    spytag_options_init(&o);
    o.stopwords = 1;
    o.ngram_max = ngram;
    o.min_df = min_df;
    o.max_df = max_df;
    fit_with(f, texts, n, use, &o);
}

static void unfit(struct fitted *f)
{
    size_t i;
    for (i = 0; i < f->n; i++)
        free(f->rows[i]);
    free(f->rows);
    free(f->rowlen);
    spytag_vectorizer_clear(&f->v);
}

static const char *term(const spytag_vectorizer *v, uint32_t f)
{
    static char buf[2 * SPYTAG_MAX_TOKEN_BYTES + 2];
    return spytag_vectorizer_term(v, f, buf, sizeof buf);
}

/* Asserts row r is exactly the (term, value) pairs given, in order. */
static void assert_row(const struct fitted *f, size_t r, size_t n,
                       const char *const *terms, const double *values)
{
    size_t i;
    ck_assert_uint_eq(f->rowlen[r], n);
    for (i = 0; i < n; i++) {
        ck_assert_str_eq(term(&f->v, f->rows[r][i].index), terms[i]);
        ck_assert_double_eq_tol(f->rows[r][i].value, values[i], TOL);
    }
}

START_TEST(test_words_idf_tf_norm)
{
    struct fitted f;
    fit(&f, corpus_a, 3, NULL, 1, 1, 1.0);
    /* words in byte order, no pairs */
    ck_assert_uint_eq(f.v.nuni, 4);
    ck_assert_uint_eq(f.v.npair, 0);
    ck_assert_uint_eq(spytag_vectorizer_size(&f.v), 4);
    ck_assert_str_eq(term(&f.v, 0), "apple");
    ck_assert_str_eq(term(&f.v, 1), "banana");
    ck_assert_str_eq(term(&f.v, 2), "cherry");
    ck_assert_str_eq(term(&f.v, 3), "date");
    ck_assert_double_eq_tol(f.v.idf[0], 1.6931472, TOL);
    ck_assert_double_eq_tol(f.v.idf[1], 1.2876821, TOL);
    ck_assert_double_eq_tol(f.v.idf[2], 1.2876821, TOL);
    ck_assert_double_eq_tol(f.v.idf[3], 1.6931472, TOL);
    {
        /* d0: apple (1+ln2)(1+ln2) = 2.866747, banana 1.287682,
         * norm 3.142668 */
        static const char *const t0[] = { "apple", "banana" };
        static const double v0[] = { 0.9122016, 0.4097416 };
        static const char *const t1[] = { "banana", "cherry" };
        static const double v1[] = { 0.7071068, 0.7071068 };
        /* d2: cherry (1+ln2)(1+ln(4/3)) = 2.180233, date 1.693147 */
        static const char *const t2[] = { "cherry", "date" };
        static const double v2[] = { 0.7898069, 0.6133555 };
        assert_row(&f, 0, 2, t0, v0);
        assert_row(&f, 1, 2, t1, v1);
        assert_row(&f, 2, 2, t2, v2);
    }
    unfit(&f);
}
END_TEST

START_TEST(test_min_df)
{
    /* min_df 2 keeps banana and cherry only */
    struct fitted f;
    static const char *const t0[] = { "banana" };
    static const double one[] = { 1.0 };
    static const char *const t1[] = { "banana", "cherry" };
    static const double v1[] = { 0.7071068, 0.7071068 };
    static const char *const t2[] = { "cherry" };
    fit(&f, corpus_a, 3, NULL, 2, 2, 1.0);
    ck_assert_uint_eq(f.v.nuni, 2);
    ck_assert_uint_eq(f.v.npair, 0);     /* (banana, cherry) is in 1 doc */
    ck_assert_str_eq(term(&f.v, 0), "banana");
    ck_assert_str_eq(term(&f.v, 1), "cherry");
    assert_row(&f, 0, 1, t0, one);
    assert_row(&f, 1, 2, t1, v1);
    assert_row(&f, 2, 1, t2, one);
    unfit(&f);
}
END_TEST

START_TEST(test_pairs_all)
{
    /* ngram 2, min_df 1: pairs get ids after the words, sorted by (first
     * word id, second word id) */
    struct fitted f;
    static const char *const t0[] = { "apple", "banana", "apple banana",
                                      "banana apple" };
    static const double v0[] = { 0.7255877, 0.3259186, 0.4285438, 0.4285438 };
    static const char *const t2[] = { "cherry", "date", "cherry cherry",
                                      "cherry date" };
    static const double v2[] = { 0.5966272, 0.4633343, 0.4633343, 0.4633343 };
    fit(&f, corpus_a, 3, NULL, 2, 1, 1.0);
    ck_assert_uint_eq(f.v.nuni, 4);
    ck_assert_uint_eq(f.v.npair, 5);
    ck_assert_str_eq(term(&f.v, 4), "apple banana");
    ck_assert_str_eq(term(&f.v, 5), "banana apple");
    ck_assert_str_eq(term(&f.v, 6), "banana cherry");
    ck_assert_str_eq(term(&f.v, 7), "cherry cherry");
    ck_assert_str_eq(term(&f.v, 8), "cherry date");
    ck_assert_double_eq_tol(f.v.idf[6], 1.6931472, TOL);
    assert_row(&f, 0, 4, t0, v0);
    assert_row(&f, 2, 4, t2, v2);
    unfit(&f);
}
END_TEST

START_TEST(test_pairs_min_df)
{
    /* corpus B, min_df 2: red (df 2), wine (df 3), "red wine" (df 2) */
    struct fitted f;
    /* e0: red 1.287682, wine 1, red wine 1.287682; norm 2.077559 */
    static const char *const t0[] = { "red", "wine", "red wine" };
    static const double v0[] = { 0.6198006, 0.4813342, 0.6198006 };
    static const char *const t2[] = { "wine" };
    static const double one[] = { 1.0 };
    fit(&f, corpus_b, 3, NULL, 2, 2, 1.0);
    ck_assert_uint_eq(f.v.nuni, 2);
    ck_assert_uint_eq(f.v.npair, 1);
    ck_assert_double_eq_tol(f.v.idf[1], 1.0, TOL);
    ck_assert_double_eq_tol(f.v.idf[2], 1.2876821, TOL);
    assert_row(&f, 0, 3, t0, v0);
    assert_row(&f, 1, 3, t0, v0);
    assert_row(&f, 2, 1, t2, one);
    ck_assert_int_eq(spytag_pairtab_find(f.v.pair, 0, 1), 0);
    ck_assert_int_eq(spytag_pairtab_find(f.v.pair, 1, 0), -1);
    unfit(&f);
}
END_TEST

START_TEST(test_max_df)
{
    /* max_df 0.9 drops "wine" (3 of 3 documents), and with it the pair */
    struct fitted f;
    static const char *const t0[] = { "red" };
    static const double one[] = { 1.0 };
    fit(&f, corpus_b, 3, NULL, 2, 2, 0.9);
    ck_assert_uint_eq(f.v.nuni, 1);
    ck_assert_uint_eq(f.v.npair, 0);
    assert_row(&f, 0, 1, t0, one);
    ck_assert_uint_eq(f.rowlen[2], 0);             /* "white wine" */
    unfit(&f);
}
END_TEST

START_TEST(test_max_df_boundary)
{
    /* --max-df drops the words in MORE than that share of the documents:
     * with 4 documents and 0.5, "banana" (in 2) stays, "apple" (in 3) goes.
     * (A mutation test found that a '>=' in keep_df, which drops
     * "banana" too, passed every test before this one.) */
    static const char *const texts[] = {
        "apple banana", "apple banana", "apple cherry", "date",
    };
    struct fitted f;
    size_t i;
    int banana = 0, apple = 0;
    fit(&f, texts, 4, NULL, 1, 1, 0.5);
    ck_assert_uint_eq(f.v.nuni, 3);
    for (i = 0; i < f.v.nuni; i++) {
        banana += strcmp(term(&f.v, (uint32_t)i), "banana") == 0;
        apple += strcmp(term(&f.v, (uint32_t)i), "apple") == 0;
    }
    ck_assert_int_eq(banana, 1);
    ck_assert_int_eq(apple, 0);
    unfit(&f);
}
END_TEST

START_TEST(test_subset)
{
    /* only d0 and d1: N = 2, idf(1) = 1 + ln(3/2), idf(2) = 1 */
    static const unsigned char use[3] = { 1, 1, 0 };
    struct fitted f;
    fit(&f, corpus_a, 3, use, 1, 1, 1.0);
    ck_assert_uint_eq(f.v.nuni, 3);                /* no "date" */
    ck_assert_str_eq(term(&f.v, 2), "cherry");
    ck_assert_double_eq_tol(f.v.idf[0], 1.4054651, TOL);
    ck_assert_double_eq_tol(f.v.idf[1], 1.0, TOL);
    ck_assert_double_eq_tol(f.v.idf[2], 1.4054651, TOL);
    unfit(&f);
}
END_TEST

START_TEST(test_fit_empty)
{
    static const unsigned char none[3] = { 0, 0, 0 };
    spytag_corpus *c = spytag_corpus_new();
    spytag_vectorizer v;
    spytag_feat **rows = NULL;
    uint32_t *rowlen = NULL;
    spytag_options o;
    spytag_error err;
    spytag_options_init(&o);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(spytag_vectorizer_fit(&v, c, NULL, &o, &rows, &rowlen,
                                           &err), SPYTAG_EEMPTY);
    ck_assert_int_eq(err.status, SPYTAG_EEMPTY);
    spytag_corpus_free(c);
    c = make_corpus(corpus_a, 3);
    ck_assert_int_eq(spytag_vectorizer_fit(&v, c, none, &o, &rows, &rowlen,
                                           NULL), SPYTAG_EEMPTY);
    spytag_corpus_free(c);
}
END_TEST

/* Finds feature f in b->out; returns its value or -1. */
static double value_of(const spytag_vecbuf *b, long n, uint32_t f)
{
    long i;
    for (i = 0; i < n; i++)
        if (b->out[i].index == f)
            return b->out[i].value;
    return -1.0;
}

/* Training rows come sorted by feature index, however long: a document of
 * 400 different words in scrambled order (and their 399 pairs), next to a
 * short one. */
START_TEST(test_fit_rows_sorted)
{
    char *doc = malloc(400 * 5 + 1);
    const char *texts[2];
    struct fitted f;
    size_t i, len = 0;
    unsigned seed = 7;
    int used[400] = { 0 };
    ck_assert_ptr_nonnull(doc);
    for (i = 0; i < 400; i++) {
        unsigned w;
        seed = seed * 1103515245u + 12345u;
        w = (seed >> 16) % 400;
        while (used[w])
            w = (w + 1) % 400;
        used[w] = 1;
        len += (size_t)sprintf(doc + len, "%sq%c%c%c", i ? " " : "",
                               'a' + w / 100, 'a' + w / 10 % 10,
                               'a' + w % 10);
    }
    texts[0] = doc;
    texts[1] = "qaaa qaab";
    fit(&f, texts, 2, NULL, 2, 1, 1.0);
    ck_assert_uint_eq(f.rowlen[0], 400 + 399);
    ck_assert_uint_eq(f.rowlen[1], 3);
    for (i = 0; i < 2; i++) {
        uint32_t j;
        for (j = 1; j < f.rowlen[i]; j++)
            ck_assert_uint_lt(f.rows[i][j - 1].index, f.rows[i][j].index);
    }
    unfit(&f);
    free(doc);
}
END_TEST

/* Asserts that b vectorises each of the texts f was fitted on (all of
 * them) to its training row, twice (the second time from the cache). */
static void assert_vectorize_matches(spytag_vecbuf *b, const struct fitted *f,
                                     const char *const *texts)
{
    size_t d;
    for (d = 0; d < f->n; d++) {
        int pass;
        for (pass = 0; pass < 2; pass++) {
            long n = spytag_vectorize(b, texts[d], strlen(texts[d]));
            uint32_t i;
            ck_assert_msg(n == (long)f->rowlen[d], "'%s': %ld features, %u "
                          "in training", texts[d], n, f->rowlen[d]);
            for (i = 0; i < f->rowlen[d]; i++)
                ck_assert_double_eq_tol(value_of(b, n, f->rows[d][i].index),
                                        f->rows[d][i].value, 1e-6);
        }
    }
}

START_TEST(test_vectorize_matches_fit)
{
    struct fitted f;
    spytag_vecbuf b;
    fit(&f, corpus_a, 3, NULL, 2, 1, 1.0);
    ck_assert_int_eq(spytag_vecbuf_init(&b, &f.v, &f.o), SPYTAG_OK);
    assert_vectorize_matches(&b, &f, corpus_a);
    /* unknown words only: an empty vector */
    ck_assert_int_eq(spytag_vectorize(&b, "zebra yak", 9), 0);
    ck_assert_int_eq(spytag_vectorize(&b, "", 0), 0);
    spytag_vecbuf_free(&b);
    unfit(&f);
}
END_TEST

START_TEST(test_vectorize_stemmed_stop_word)
{
    /* with stemming, a word first met in a text to classify whose stem
     * spells a stop word ("wills" to "will") is an unknown word, as it
     * would have been in training (below min-df): it breaks the chain of
     * pairs, where a stop word is skipped.  "probate wills lawyer" has
     * the words "probat" and "lawyer" and no pair, though "probat lawyer"
     * is one (from "the probate lawyer").  (A mutation test found that
     * taking such a stem for a stop word, which adds that pair, passed
     * every test.)  The training texts keep their training vectors. */
    static const char *const texts[] = {
        "the probate lawyer", "lawyer fees", "probate court",
    };
    static const char wills[] = "probate wills lawyer";
    struct fitted f;
    spytag_options o;
    spytag_vecbuf b;
    long n;
    spytag_options_init(&o);
    o.stem = 1;
    o.min_df = 1;
    fit_with(&f, texts, 3, NULL, &o);
    ck_assert_int_ge(spytag_pairtab_find(f.v.pair,
                         (uint32_t)spytag_strtab_find(f.v.uni, "probat", 6),
                         (uint32_t)spytag_strtab_find(f.v.uni, "lawyer", 6)),
                     0);
    ck_assert_int_eq(spytag_vecbuf_init(&b, &f.v, &f.o), SPYTAG_OK);
    n = spytag_vectorize(&b, wills, strlen(wills));
    ck_assert_msg(n == 2, "'%s': %ld features, expected 2", wills, n);
    assert_vectorize_matches(&b, &f, texts);
    spytag_vecbuf_free(&b);
    unfit(&f);
}
END_TEST

START_TEST(test_vectorize_pairs)
{
    struct fitted f;
    spytag_vecbuf b;
    long n;
    fit(&f, corpus_b, 3, NULL, 2, 2, 1.0);
    ck_assert_int_eq(spytag_vecbuf_init(&b, &f.v, &f.o), SPYTAG_OK);
    /* stop words are removed first, so a pair bridges them */
    n = spytag_vectorize(&b, "Red and the WINE", 16);
    ck_assert_int_eq(n, 3);
    ck_assert_double_eq_tol(value_of(&b, n, 2), 0.6198006, TOL);
    /* a word outside the vocabulary breaks the chain */
    n = spytag_vectorize(&b, "red zebra wine", 14);
    ck_assert_int_eq(n, 2);
    ck_assert_double_eq_tol(value_of(&b, n, 2), -1.0, TOL);
    /* pairs are ordered */
    n = spytag_vectorize(&b, "wine red", 8);
    ck_assert_int_eq(n, 2);
    /* red x2: tf 1 + ln 2, so red (1 + ln 2)(1 + ln(4/3)) = 2.180233,
     * wine 1, red wine 1.287682; norm 2.722418 */
    n = spytag_vectorize(&b, "red red wine", 12);
    ck_assert_int_eq(n, 3);
    ck_assert_double_eq_tol(value_of(&b, n, 0), 0.8008456, TOL);
    ck_assert_double_eq_tol(value_of(&b, n, 1), 0.3673207, TOL);
    ck_assert_double_eq_tol(value_of(&b, n, 2), 0.4729923, TOL);
    spytag_vecbuf_free(&b);
    unfit(&f);
}
END_TEST

/* spytag_vectorize() leaves b->out in order of first appearance (it does
 * not sort: classification does not need it), with each feature once. */
START_TEST(test_vectorize_sorted)
{
    struct fitted f;
    spytag_vecbuf b;
    long n, i;
    fit(&f, corpus_a, 3, NULL, 2, 1, 1.0);
    ck_assert_int_eq(spytag_vecbuf_init(&b, &f.v, &f.o), SPYTAG_OK);
    n = spytag_vectorize(&b, "cherry date apple banana", 24);
    ck_assert_int_gt(n, 1);
    for (i = 1; i < n; i++) {
        long j;
        for (j = 0; j < i; j++)
            ck_assert_uint_ne(b.out[j].index, b.out[i].index);
    }
    ck_assert_str_eq(spytag_vectorizer_term(&f.v, b.out[0].index,
                                            (char[140]){ 0 }, 140), "cherry");
    spytag_vecbuf_free(&b);
    unfit(&f);
}
END_TEST

/* Long documents, so that lookups run in several batches and pairs cross
 * batch boundaries, with stop words, words over 23 bytes (looked up one by
 * one) and non-ASCII words: the classification path must give the training rows, with and without
 * stemming. */
static char *long_doc(unsigned seed, size_t nwords)
{
    static const char *const words[] = {
        "signals", "the", "intercepted", "of", "telecommunications",
        "and", "espionage", "defector", "quarantined", "naïve",
        "Überwachung", "a", "counterintelligenceoperationsdirectorate",
        "supercalifragilisticexpialidocious", "5g", "networks",
        "huawei's", "firmware", "trade", "secrets",
    };
    size_t nw = sizeof words / sizeof words[0], i, len = 0;
    char *s = malloc(nwords * 48 + 1);
    ck_assert_ptr_nonnull(s);
    for (i = 0; i < nwords; i++) {
        const char *w;
        seed = seed * 1103515245u + 12345u;
        w = words[(seed >> 16) % nw];
        len += (size_t)sprintf(s + len, "%s%s", i ? " " : "", w);
    }
    return s;
}

START_TEST(test_vectorize_batches)
{
    static const size_t sizes[] = { 1, 255, 256, 257, 700, 3000 };
    const size_t nd = sizeof sizes / sizeof sizes[0];
    char *docs[sizeof sizes / sizeof sizes[0]];
    struct fitted f;
    spytag_vecbuf b;
    spytag_corpus *c = spytag_corpus_new();
    spytag_error err;
    size_t d;
    int stem = _i;

    for (d = 0; d < nd; d++) {
        char id[16];
        docs[d] = long_doc((unsigned)d + 1, sizes[d]);
        snprintf(id, sizeof id, "d%zu", d);
        ck_assert_int_eq(spytag_corpus_add(c, id, docs[d], strlen(docs[d]),
                                           NULL, 0), SPYTAG_OK);
    }
    memset(&f, 0, sizeof f);
    spytag_options_init(&f.o);
    f.o.ngram_max = 2;
    f.o.min_df = 1;
    f.o.stem = stem;
    ck_assert_int_eq(spytag_vectorizer_fit(&f.v, c, NULL, &f.o, &f.rows,
                                           &f.rowlen, &err), SPYTAG_OK);
    f.n = nd;
    ck_assert_int_eq(spytag_vecbuf_init(&b, &f.v, &f.o), SPYTAG_OK);
    for (d = 0; d < nd; d++) {
        long n = spytag_vectorize(&b, docs[d], strlen(docs[d]));
        uint32_t i;
        ck_assert_int_eq(n, (long)f.rowlen[d]);
        for (i = 0; i < f.rowlen[d]; i++)
            ck_assert_double_eq_tol(value_of(&b, n, f.rows[d][i].index),
                                    f.rows[d][i].value, 1e-6);
    }
    spytag_vecbuf_free(&b);
    unfit(&f);
    spytag_corpus_free(c);
    for (d = 0; d < nd; d++)
        free(docs[d]);
}
END_TEST

/* Pairs across the boundary of a lookup batch (256 tokens): "red" x 255
 * then "wine" ends a pair in the next batch; a word outside the
 * vocabulary there still breaks the chain. */
START_TEST(test_vectorize_batch_boundary)
{
    struct fitted f;
    spytag_vecbuf b;
    char text[4096];
    size_t len = 0, i;
    long n;
    fit(&f, corpus_b, 3, NULL, 2, 2, 1.0);    /* red, wine, red wine */
    ck_assert_int_eq(spytag_vecbuf_init(&b, &f.v, &f.o), SPYTAG_OK);
    for (i = 0; i < 255; i++)
        len += (size_t)sprintf(text + len, "red ");
    strcpy(text + len, "wine");
    n = spytag_vectorize(&b, text, strlen(text));
    ck_assert_int_eq(n, 3);
    ck_assert_double_gt(value_of(&b, n, 2), 0.0);
    strcpy(text + len, "zebra wine");
    n = spytag_vectorize(&b, text, strlen(text));
    ck_assert_int_eq(n, 2);
    ck_assert_double_eq(value_of(&b, n, 2), -1.0);
    strcpy(text + len, "the wine");              /* a stop word bridges */
    n = spytag_vectorize(&b, text, strlen(text));
    ck_assert_int_eq(n, 3);
    spytag_vecbuf_free(&b);
    unfit(&f);
}
END_TEST

static Suite *tfidf_suite(void)
{
    Suite *s = suite_create("tfidf");
    TCase *tc = tcase_create("fit");
    tcase_add_test(tc, test_words_idf_tf_norm);
    tcase_add_test(tc, test_min_df);
    tcase_add_test(tc, test_pairs_all);
    tcase_add_test(tc, test_pairs_min_df);
    tcase_add_test(tc, test_max_df);
    tcase_add_test(tc, test_max_df_boundary);
    tcase_add_test(tc, test_subset);
    tcase_add_test(tc, test_fit_empty);
    tcase_add_test(tc, test_fit_rows_sorted);
    suite_add_tcase(s, tc);
    tc = tcase_create("vectorize");
    tcase_add_test(tc, test_vectorize_matches_fit);
    tcase_add_test(tc, test_vectorize_stemmed_stop_word);
    tcase_add_test(tc, test_vectorize_pairs);
    tcase_add_loop_test(tc, test_vectorize_batches, 0, 2);
    tcase_add_test(tc, test_vectorize_batch_boundary);
    suite_add_tcase(s, tc);
    {   /* regressions: bugs found by these tests, now fixed */
        tc = tcase_create("regressions");
        tcase_add_test(tc, test_vectorize_sorted);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    return tu_run(tfidf_suite());
}
