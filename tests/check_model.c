/*
 * check_model.c - the model file (model.c): serialize / load round trips,
 * atomic save, and corrupt files (empty, every truncation, bad magic, every
 * single flipped byte, a future version), which must be refused with
 * SPYTAG_EFORMAT, SPYTAG_ECHECKSUM or SPYTAG_EVERSION and never crash.
 * Also damage behind a valid checksum, which the structural checks must
 * catch (or yield a model that still classifies without crashing).
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

static char *tmp;
static spytag_model *model;       /* trained on the fixture corpus */
static unsigned char *bytes;      /* its serialisation */
static size_t nbytes;

static void setup(void)
{
    tmp = tu_mkdtemp();
    model = tu_fixture_model();
    ck_assert_int_eq(spytag_model_serialize(model, &bytes, &nbytes),
                     SPYTAG_OK);
}

static void teardown(void)
{
    tu_rmtree(tmp);
    free(tmp);
    spytag_model_free(model);
    free(bytes);
}

static int load(const unsigned char *buf, size_t len, spytag_model **m,
                spytag_error *err)
{
    memset(err, 0, sizeof *err);
    return spytag_model_load_buffer(buf, len, "test.model", m, err);
}

/* Recomputes the trailing checksum of a serialised model (XXH3 from
 * version 3 on, XXH64 before). */
static void reseal(unsigned char *buf, size_t len)
{
    uint64_t h = buf[8] >= 3 ? XXH3_64bits(buf, len - 8)
                             : XXH64(buf, len - 8, 0);
    int i;
    for (i = 0; i < 8; i++)
        buf[len - 8 + i] = (unsigned char)(h >> (8 * i));
}

/* Loads buf through a file, as spytag_model_load does: a dense model's
 * weights then stay in the block the file is read into (model.c). */
static int load_file(const unsigned char *buf, size_t len, spytag_model **m,
                     spytag_error *err)
{
    char *path = tu_join(tmp, "flipped.model");
    int rc;
    tu_write(tmp, "flipped.model", buf, len);
    memset(err, 0, sizeof *err);
    rc = spytag_model_load(path, m, err);
    free(path);
    return rc;
}

/* 1 when m serialises to the n bytes at want. */
static int serializes_to(const spytag_model *m, const unsigned char *want,
                         size_t n)
{
    unsigned char *b = NULL;
    size_t k = 0;
    int same;
    ck_assert_int_eq(spytag_model_serialize(m, &b, &k), SPYTAG_OK);
    same = k == n && memcmp(b, want, n) == 0;
    free(b);
    return same;
}

/* The n bytes at buf, which load() gave status rc and model bm (NULL
 * unless rc is SPYTAG_OK) or error berr, give the same from a file: the
 * same status, the same message, a model of the same bytes. */
static void assert_file_agrees(const unsigned char *buf, size_t n, int rc,
                               const spytag_model *bm,
                               const spytag_error *berr)
{
    spytag_model *fm = NULL;
    spytag_error ferr;
    ck_assert_int_eq(load_file(buf, n, &fm, &ferr), rc);
    if (rc == SPYTAG_OK) {
        unsigned char *mb = NULL;
        size_t mn = 0;
        ck_assert_int_eq(spytag_model_serialize(bm, &mb, &mn), SPYTAG_OK);
        ck_assert(serializes_to(fm, mb, mn));
        free(mb);
    } else {
        ck_assert_ptr_null(fm);
        ck_assert_str_eq(ferr.message, berr->message);
    }
    spytag_model_free(fm);
}

/* copy := the n bytes at src with byte at flipped and the checksum made
 * right again; returns load()'s status on them (*m, *err as load's). */
static int load_flipped(unsigned char *copy, const unsigned char *src,
                        size_t n, size_t at, spytag_model **m,
                        spytag_error *err)
{
    memcpy(copy, src, n);
    copy[at] ^= 0xff;
    reseal(copy, n);
    return load(copy, n, m, err);
}

static int refused_cleanly(int rc)
{
    return rc == SPYTAG_EFORMAT || rc == SPYTAG_ECHECKSUM ||
           rc == SPYTAG_EVERSION;
}

/* ---- round trips ---------------------------------------------------------- */

START_TEST(test_layout)
{
    ck_assert_uint_gt(nbytes, 8 + 4 + 8);
    ck_assert_mem_eq(bytes, "SPYTAG\x1a\n", 8);
    ck_assert_int_eq(bytes[8], 3);                 /* version 3, LE */
    ck_assert_int_eq(bytes[9] | bytes[10] | bytes[11], 0);
}
END_TEST

START_TEST(test_roundtrip_buffer)
{
    spytag_model *m = NULL;
    spytag_error err;
    unsigned char *again;
    size_t n, t;
    ck_assert_int_eq(load(bytes, nbytes, &m, &err), SPYTAG_OK);
    ck_assert_int_eq(spytag_model_serialize(m, &again, &n), SPYTAG_OK);
    ck_assert_uint_eq(n, nbytes);
    ck_assert_msg(memcmp(again, bytes, n) == 0, "bytes differ after a load");
    /* and the accessors agree */
    ck_assert_uint_eq(spytag_model_ntopics(m), spytag_model_ntopics(model));
    ck_assert_uint_eq(spytag_model_vocab_size(m),
                      spytag_model_vocab_size(model));
    ck_assert_uint_eq(spytag_model_ndocs(m), 22);
    ck_assert_str_eq(spytag_model_corpus(m), spytag_model_corpus(model));
    for (t = 0; t < spytag_model_ntopics(m); t++) {
        ck_assert_str_eq(spytag_model_topic(m, t),
                         spytag_model_topic(model, t));
        ck_assert_double_eq(spytag_model_threshold(m, t),
                            spytag_model_threshold(model, t));
        ck_assert_uint_eq(spytag_model_positives(m, t),
                          spytag_model_positives(model, t));
    }
    {
        char *a = tu_tags(m, "the yacht crew and the telescope");
        char *b = tu_tags(model, "the yacht crew and the telescope");
        ck_assert_str_eq(a, b);
        free(a);
        free(b);
    }
    free(again);
    spytag_model_free(m);
}
END_TEST

START_TEST(test_options_survive)
{
    /* settings other than the defaults are stored and read back */
    spytag_corpus *c = tu_fixture_corpus();
    spytag_model *m = NULL, *m2 = NULL;
    spytag_options o, got;
    spytag_error err;
    unsigned char *buf;
    size_t n;
    spytag_options_init(&o);
    o.stem = 1;
    o.ngram_max = 1;
    o.min_df = 1;
    o.max_df = 0.75;
    o.C = 2.5;
    o.balanced = 1;
    o.tune_folds = 2;
    o.seed = 123456789;
    o.nb = 0;
    ck_assert_int_eq(spytag_train(c, &o, &m, NULL), SPYTAG_OK);
    ck_assert_int_eq(spytag_model_serialize(m, &buf, &n), SPYTAG_OK);
    ck_assert_int_eq(load(buf, n, &m2, &err), SPYTAG_OK);
    spytag_model_options(m2, &got);
    ck_assert_int_eq(got.stopwords, 1);
    ck_assert_int_eq(got.stem, 1);
    ck_assert_int_eq(got.ngram_max, 1);
    ck_assert_int_eq(got.min_df, 1);
    ck_assert_double_eq(got.max_df, 0.75);
    ck_assert_double_eq(got.C, 2.5);
    ck_assert_int_eq(got.balanced, 1);
    ck_assert_int_eq(got.tune_folds, 2);
    ck_assert_uint_eq(got.seed, 123456789);
    ck_assert_int_eq(got.nb, 0);
    ck_assert_int_eq(got.tune_method, SPYTAG_TUNE_FOLDS);
    /* a stemming model stems at classification time too */
    {
        char *a = tu_tags(m2, "astronomer telescopes observatories");
        char *b = tu_tags(m, "astronomer telescopes observatories");
        ck_assert_str_eq(a, b);
        ck_assert_str_eq(a, "astronomy");
        free(a);
        free(b);
    }
    free(buf);
    spytag_model_free(m);
    spytag_model_free(m2);
    spytag_corpus_free(c);
}
END_TEST

START_TEST(test_save_and_load_file)
{
    char *path = tu_join(tmp, "fixture.model");
    spytag_model *m = NULL;
    spytag_error err;
    unsigned char *disk;
    size_t n;
    struct stat st;
    ck_assert_int_eq(spytag_model_save(model, path, &err), SPYTAG_OK);
    disk = tu_read(path, &n);
    ck_assert_uint_eq(n, nbytes);
    ck_assert_mem_eq(disk, bytes, n);                /* same bytes */
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    ck_assert_int_eq(tu_count_entries(tmp), 1);      /* no temporary left */
    ck_assert_int_eq(spytag_model_load(path, &m, &err), SPYTAG_OK);
    ck_assert_uint_eq(spytag_model_ntopics(m), 3);
    /* the weights were kept in the bytes read, on a 64-byte boundary
     * (little-endian hosts), and the model is the same to the bit */
    ck_assert(serializes_to(m, bytes, nbytes));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    ck_assert_ptr_nonnull(m->wblock);
    ck_assert_uint_eq((uintptr_t)m->w % 64, 0);
#endif
    for (n = 0; n < SPYTAG_W_PAD; n++)       /* classify.c reads past */
        ck_assert(m->w[spytag_model_vocab_size(m) * 3 + n] == 0.0f);
    spytag_model_free(m);
    free(disk);
    free(path);
}
END_TEST

START_TEST(test_save_replaces)
{
    char *path = tu_join(tmp, "m.model");
    spytag_error err;
    unsigned char *disk;
    size_t n;
    tu_write_str(tmp, "m.model", "an old file that is not a model");
    ck_assert_int_eq(spytag_model_save(model, path, &err), SPYTAG_OK);
    disk = tu_read(path, &n);
    ck_assert_uint_eq(n, nbytes);
    ck_assert_int_eq(tu_count_entries(tmp), 1);
    free(disk);
    free(path);
}
END_TEST

START_TEST(test_save_fails)
{
    char *path = tu_join(tmp, "no/such/folder/m.model");
    spytag_error err;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(spytag_model_save(model, path, &err), SPYTAG_EIO);
    ck_assert_str_eq(err.file, path);
    ck_assert(err.message[0] != '\0');
    free(path);
    /* a folder where the file should go: the old entry stays */
    tu_write_str(tmp, "dir/keep", "x");
    path = tu_join(tmp, "dir");
    ck_assert_int_eq(spytag_model_save(model, path, &err), SPYTAG_EIO);
    ck_assert_int_eq(tu_count_entries(tmp), 1);      /* temp removed */
    free(path);
}
END_TEST

START_TEST(test_load_missing)
{
    char *path = tu_join(tmp, "absent.model");
    spytag_model *m = (spytag_model *)1;
    spytag_error err;
    ck_assert_int_eq(spytag_model_load(path, &m, &err), SPYTAG_EIO);
    ck_assert_ptr_null(m);
    ck_assert_str_eq(err.file, path);
    ck_assert_int_eq(spytag_model_load(tmp, &m, &err), SPYTAG_EIO); /* dir */
    free(path);
}
END_TEST

START_TEST(test_shipped_model_loads)
{
    char path[4096];
    const char *top = getenv("top_srcdir");
    spytag_model *m = NULL;
    spytag_error err;
    int rc;
    snprintf(path, sizeof path, "%s/models/spytag.model", top ? top : ".");
    rc = spytag_model_load(path, &m, &err);
    ck_assert_msg(rc == SPYTAG_OK, "%s: %s", path, err.message);
    ck_assert_uint_ge(spytag_model_ntopics(m), 2);
    spytag_model_free(m);
}
END_TEST

/* ---- corrupt files ------------------------------------------------------ */

START_TEST(test_empty)
{
    spytag_model *m = (spytag_model *)1;
    spytag_error err;
    char *path = tu_join(tmp, "empty.model");
    ck_assert_int_eq(load(bytes, 0, &m, &err), SPYTAG_EFORMAT);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(err.message, "empty"));
    tu_write_str(tmp, "empty.model", "");
    ck_assert_int_eq(spytag_model_load(path, &m, &err), SPYTAG_EFORMAT);
    ck_assert_str_eq(err.file, path);
    free(path);
}
END_TEST

START_TEST(test_bad_magic)
{
    spytag_model *m = NULL;
    spytag_error err;
    unsigned char *copy = malloc(nbytes);
    memcpy(copy, bytes, nbytes);
    copy[0] = 'X';
    ck_assert_int_eq(load(copy, nbytes, &m, &err), SPYTAG_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "magic"));
    ck_assert_str_eq(err.file, "test.model");
    ck_assert_int_eq(load((const unsigned char *)"{\"json\": 1}", 11, &m,
                          &err), SPYTAG_EFORMAT);
    free(copy);
}
END_TEST

START_TEST(test_every_truncation)
{
    size_t n;
    for (n = 0; n < nbytes; n++) {
        spytag_model *m = (spytag_model *)1;
        spytag_error err;
        int rc = load(bytes, n, &m, &err);
        ck_assert_msg(refused_cleanly(rc), "%zu bytes: status %d", n, rc);
        ck_assert_ptr_null(m);
        ck_assert_int_eq(err.status, rc);
    }
}
END_TEST

START_TEST(test_every_flipped_byte)
{
    unsigned char *copy = malloc(nbytes);
    size_t i;
    int x;
    memcpy(copy, bytes, nbytes);
    for (i = 0; i < nbytes; i++) {
        for (x = 0; x < 2; x++) {
            unsigned char mask = x ? 0xff : 0x01;
            spytag_model *m = (spytag_model *)1;
            spytag_error err;
            int rc;
            copy[i] ^= mask;
            rc = load(copy, nbytes, &m, &err);
            copy[i] ^= mask;
            ck_assert_msg(refused_cleanly(rc), "byte %zu ^ 0x%02x: status %d",
                          i, mask, rc);
            ck_assert_ptr_null(m);
            if (i >= 12)          /* past magic and version: the checksum */
                ck_assert_int_eq(rc, SPYTAG_ECHECKSUM);
        }
    }
    free(copy);
}
END_TEST

START_TEST(test_future_version)
{
    unsigned char *copy = malloc(nbytes);
    spytag_model *m = NULL;
    spytag_error err;
    memcpy(copy, bytes, nbytes);
    copy[8] = 4;
    reseal(copy, nbytes);                 /* a well-formed version-4 file */
    ck_assert_int_eq(load(copy, nbytes, &m, &err), SPYTAG_EVERSION);
    ck_assert_ptr_nonnull(strstr(err.message, "version 4"));
    ck_assert_ptr_null(m);
    free(copy);
}
END_TEST

/* Where the word pairs of a serialised model start (after their count),
 * found by walking the header and the words; *nuni and *npair get the
 * numbers of words and pairs. */
static size_t pairs_offset(const unsigned char *b, size_t *nuni,
                           size_t *npair)
{
    size_t off = 8 + 4 + 4 + 60 + 8, t, T, i;
    uint32_t u;
    memcpy(&u, b + off, 4);               /* the corpus string */
    off += 4 + u;
    memcpy(&u, b + off, 4);
    T = u;
    off += 4;
    for (t = 0; t < T; t++) {             /* name, 4 f64, u32 */
        memcpy(&u, b + off, 4);
        off += 4 + u + 4 * 8 + 4;
    }
    memcpy(&u, b + off, 4);
    *nuni = u;
    off += 4;
    for (i = 0; i < *nuni; i++)
        off += 1 + b[off];
    memcpy(&u, b + off, 4);
    *npair = u;
    return off + 4;
}

/* Where the idf section of a serialised model starts; *nuni gets the
 * number of words. */
static size_t idf_offset(const unsigned char *b, size_t *nuni)
{
    size_t npair, off = pairs_offset(b, nuni, &npair);
    return off + 8 * npair;
}

START_TEST(test_bad_pairs_behind_checksum)
{
    /* the pair table is built on a thread of its own while the words
     * load: a pair naming a word past the last, and a pair repeated,
     * behind a valid checksum, are still refused with their messages */
    unsigned char *copy = malloc(nbytes);
    size_t nuni, npair, at = pairs_offset(bytes, &nuni, &npair);
    spytag_model *m = NULL;
    spytag_error err;
    uint32_t u = (uint32_t)nuni;
    ck_assert_uint_ge(npair, 2);
    memcpy(copy, bytes, nbytes);
    memcpy(copy + at + 8 + 4, &u, 4);     /* pair 1: (a, nuni) */
    reseal(copy, nbytes);
    ck_assert_int_eq(load(copy, nbytes, &m, &err), SPYTAG_EFORMAT);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(err.message,
                                 "word pair 1 names a missing word"));
    memcpy(copy, bytes, nbytes);
    memcpy(copy + at + 8, copy + at, 8);  /* pair 1 = pair 0 */
    reseal(copy, nbytes);
    ck_assert_int_eq(load(copy, nbytes, &m, &err), SPYTAG_EFORMAT);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(err.message, "word pair 1 is repeated"));
    /* the missing word again, in a file whose last weight is cut off: the
     * sections do not add up, the pairs are read on the loading thread,
     * and their error still comes before the weights' */
    memcpy(copy, bytes, nbytes);
    memcpy(copy + at + 8 + 4, &u, 4);
    memmove(copy + nbytes - 12, copy + nbytes - 8, 8);
    reseal(copy, nbytes - 4);
    ck_assert_int_eq(load(copy, nbytes - 4, &m, &err), SPYTAG_EFORMAT);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(err.message,
                                 "word pair 1 names a missing word"));
    free(copy);
}
END_TEST

START_TEST(test_order_is_checked)
{
    /* version 3 holds the words by increasing idf: two words' idf
     * swapped (behind a valid checksum) are refused, while the same file
     * as version 2, where any order goes, loads, and comes back in order
     * as version 3 */
    unsigned char *copy = malloc(nbytes), *again = NULL;
    size_t nuni, idf = idf_offset(bytes, &nuni), i, n;
    spytag_model *m = NULL;
    spytag_error err;
    float x, y;
    memcpy(copy, bytes, nbytes);
    for (i = 0; i + 1 < nuni; i++) {
        memcpy(&x, copy + idf + 4 * i, 4);
        memcpy(&y, copy + idf + 4 * i + 4, 4);
        ck_assert(x <= y);
        if (x < y)
            break;
    }
    ck_assert_uint_lt(i + 1, nuni);
    memcpy(copy + idf + 4 * i, &y, 4);
    memcpy(copy + idf + 4 * i + 4, &x, 4);
    reseal(copy, nbytes);
    ck_assert_int_eq(load(copy, nbytes, &m, &err), SPYTAG_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "out of order"));
    ck_assert_ptr_null(m);
    /* as version 2: no tune_method after nb (at byte 72) */
    memmove(copy + 72, copy + 76, nbytes - 76);
    copy[8] = 2;
    reseal(copy, nbytes - 4);
    ck_assert_int_eq(load(copy, nbytes - 4, &m, &err), SPYTAG_OK);
    ck_assert_int_eq(spytag_model_serialize(m, &again, &n), SPYTAG_OK);
    ck_assert_uint_eq(n, nbytes);
    ck_assert_int_eq(again[8], 3);
    spytag_model_free(m);
    m = NULL;
    ck_assert_int_eq(load(again, n, &m, &err), SPYTAG_OK);
    free(again);
    spytag_model_free(m);
    free(copy);
}
END_TEST

START_TEST(test_version_2_order_any)
{
    /* a version 2 file with the features in the old order (words in byte
     * order, pairs by their words) loads, tags alike, and is written back
     * in the version 3 order */
    spytag_model *m = NULL, *m2 = NULL;
    spytag_error err;
    unsigned char *v3 = NULL;
    size_t n;
    char *a, *b;
    const char *path = tu_data("model-v2.model");
    ck_assert_int_eq(spytag_model_load(path, &m, &err), SPYTAG_OK);
    ck_assert_int_eq(spytag_model_serialize(m, &v3, &n), SPYTAG_OK);
    ck_assert_int_eq(v3[8], 3);
    ck_assert_int_eq(load(v3, n, &m2, &err), SPYTAG_OK);
    a = tu_tags(m, "the yacht crew and the telescope");
    b = tu_tags(m2, "the yacht crew and the telescope");
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    free(v3);
    spytag_model_free(m);
    spytag_model_free(m2);
}
END_TEST

START_TEST(test_version_1_loads)
{
    /* version 1 is version 3 without the u32 nb and u32 tune_method after
     * the seed (at byte 8 + 4 + 4 + 52 = 68), and with an XXH64 checksum:
     * it loads, with nb 0, and classifies alike */
    unsigned char *v1 = malloc(nbytes);
    spytag_model *m = NULL;
    spytag_options got;
    spytag_error err;
    char *a, *b;
    spytag_model_options(model, &got);
    ck_assert_int_eq(got.nb, 1);             /* the default */
    memcpy(v1, bytes, 68);
    memcpy(v1 + 68, bytes + 76, nbytes - 76);
    v1[8] = 1;
    reseal(v1, nbytes - 8);
    ck_assert_int_eq(load(v1, nbytes - 8, &m, &err), SPYTAG_OK);
    spytag_model_options(m, &got);
    ck_assert_int_eq(got.nb, 0);
    a = tu_tags(m, "astronomer telescopes observatories");
    b = tu_tags(model, "astronomer telescopes observatories");
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    spytag_model_free(m);
    free(v1);
}
END_TEST

START_TEST(test_bad_fields_behind_checksum)
{
    /* flags 2 (unknown) and ngram_max 3, each with a valid checksum */
    unsigned char *copy = malloc(nbytes);
    spytag_model *m = NULL;
    spytag_error err;
    memcpy(copy, bytes, nbytes);
    copy[12] = 2;
    reseal(copy, nbytes);
    ck_assert_int_eq(load(copy, nbytes, &m, &err), SPYTAG_EFORMAT);
    memcpy(copy, bytes, nbytes);
    copy[24] = 3;                         /* settings: u32 ngram_max */
    reseal(copy, nbytes);
    ck_assert_int_eq(load(copy, nbytes, &m, &err), SPYTAG_EFORMAT);
    free(copy);
}
END_TEST

START_TEST(test_nonfinite_weight_behind_checksum)
{
    /* the first, a middle and the last weight made +inf, then a NaN,
     * with a valid checksum: refused, from a buffer and from a file (whose
     * weights are checked where they are kept) */
    static const unsigned char bad[2][4] = { { 0x00, 0x00, 0x80, 0x7f },
                                              { 0x01, 0x00, 0xc0, 0xff } };
    size_t nw = spytag_model_vocab_size(model) * spytag_model_ntopics(model);
    size_t at = nbytes - 8 - 4 * nw, k, w;
    unsigned char *copy = malloc(nbytes);
    for (k = 0; k < 2; k++)
        for (w = 0; w < 3; w++) {
            size_t pos = w == 0 ? 0 : w == 1 ? nw / 2 : nw - 1;
            spytag_model *m = NULL;
            spytag_error err;
            memcpy(copy, bytes, nbytes);
            memcpy(copy + at + 4 * pos, bad[k], 4);
            reseal(copy, nbytes);
            ck_assert_int_eq(load(copy, nbytes, &m, &err), SPYTAG_EFORMAT);
            ck_assert_str_eq(err.message, "non-finite weight");
            ck_assert_ptr_null(m);
            ck_assert_int_eq(load_file(copy, nbytes, &m, &err),
                             SPYTAG_EFORMAT);
            ck_assert_str_eq(err.message, "non-finite weight");
            ck_assert_ptr_null(m);
        }
    free(copy);
}
END_TEST

START_TEST(test_weights_at_every_offset)
{
    /* the first topic's name 1 to 64 bytes long, so that the weights
     * start at every offset mod 64 of the file: loaded from a file (moved
     * 1 to 64 bytes to a boundary, then padded), the model is the same.
     * Sanitizer builds allocate the block at its exact size, so that an
     * overrun of the slack is reported there. */
    char *old = model->topics[0];
    char name[65];
    int L;
    for (L = 1; L <= 64; L++) {
        spytag_model *m = NULL;
        spytag_error err;
        unsigned char *b = NULL;
        size_t n;
        memset(name, 'a', (size_t)L);
        name[L] = 0;
        model->topics[0] = name;
        ck_assert_int_eq(spytag_model_serialize(model, &b, &n), SPYTAG_OK);
        ck_assert_int_eq(load_file(b, n, &m, &err), SPYTAG_OK);
        ck_assert(serializes_to(m, b, n));
        spytag_model_free(m);
        free(b);
    }
    model->topics[0] = old;
}
END_TEST

START_TEST(test_sparse_not_kept_in_place)
{
    /* four weights in five made 0, so that the file is sparse: from a
     * file, it loads into sparse rows, not into the bytes read */
    spytag_model *m = tu_fixture_model(), *back = NULL;
    size_t T = spytag_model_ntopics(m), nf = spytag_vectorizer_size(&m->vec);
    size_t i, n1;
    unsigned char *b1 = NULL;
    spytag_error err;
    for (i = 0; i < nf * T; i++)
        if (i % 5)
            m->w[i] = 0.0f;
    ck_assert_int_eq(spytag_model_serialize(m, &b1, &n1), SPYTAG_OK);
    ck_assert_int_eq(b1[12] & 2, 2);           /* flags: sparse */
    ck_assert_int_eq(load_file(b1, n1, &back, &err), SPYTAG_OK);
    ck_assert_ptr_null(back->w);
    ck_assert_ptr_null(back->wblock);
    ck_assert(serializes_to(back, b1, n1));
    spytag_model_free(back);
    free(b1);
    spytag_model_free(m);
}
END_TEST

START_TEST(test_word_table_reserved_exactly)
{
    /* with stop words and without: the word table's ids and arena are
     * sized once, for the words and the stop words the load adds */
    int s;
    for (s = 0; s < 2; s++) {
        spytag_model *m = NULL;
        spytag_error err;
        unsigned char *b = NULL;
        size_t n;
        const spytag_strtab *u;
        model->opt.stopwords = s;
        ck_assert_int_eq(spytag_model_serialize(model, &b, &n), SPYTAG_OK);
        ck_assert_int_eq(load(b, n, &m, &err), SPYTAG_OK);
        u = m->vec.uni;
        ck_assert_uint_eq(u->cap, u->n);
        ck_assert_uint_eq(u->arena_cap, u->arena_len);
        spytag_model_free(m);
        free(b);
    }
}
END_TEST

START_TEST(test_big_model_loads_on_threads)
{
    /* a model of more weights than THREADED_WEIGHTS (model.c), whose
     * weights and word pairs load on threads of their own: 100 pairs of
     * documents (so that every word and pair is in 2 of them) of 400
     * words found nowhere else, 4 topics: 80k features, 320k weights.
     * From a buffer and from a file, it serialises to its own bytes. */
    spytag_corpus *c = spytag_corpus_new();
    spytag_options o;
    spytag_model *m = NULL, *back = NULL;
    spytag_error err;
    unsigned char *b = NULL;
    size_t nb = 0, d, k, i;
    char *text = malloc(400 * 8 + 16);
    static const char *const topics[4] = { "north", "south", "east", "west" };

    ck_assert_ptr_nonnull(c);
    for (d = 0; d < 100; d++) {
        char *p = text;
        for (k = 0; k < 400; k++) {
            size_t w = d * 400 + k;
            *p++ = 'q';
            for (i = 0; i < 4; i++, w /= 26)   /* qaaaa, qbaaa, ... */
                *p++ = (char)('a' + w % 26);
            *p++ = ' ';
        }
        for (i = 0; i < 2; i++) {
            p[0] = (char)('x' + i);      /* the two copies differ */
            p[1] = 'y';
            p[2] = 'z';
            p[3] = '\0';
            tu_add(c, 2 * d + i, text, topics[d % 4]);
        }
    }
    spytag_options_init(&o);
    o.tune_folds = 0;
    ck_assert_int_eq(spytag_train(c, &o, &m, &err), SPYTAG_OK);
    ck_assert_uint_ge(spytag_model_vocab_size(m) * 4, (size_t)1 << 18);
    ck_assert_int_eq(spytag_model_serialize(m, &b, &nb), SPYTAG_OK);
    ck_assert_int_eq(load(b, nb, &back, &err), SPYTAG_OK);
    ck_assert(serializes_to(back, b, nb));
    spytag_model_free(back);
    back = NULL;
    ck_assert_int_eq(load_file(b, nb, &back, &err), SPYTAG_OK);
    ck_assert(serializes_to(back, b, nb));
    spytag_model_free(back);
    {
        /* 100 bytes spread over the file flipped, the checksum made
         * right: the threaded load from a file (weights kept in place)
         * gives the verdict, message and model of the buffer's */
        unsigned char *copy = malloc(nb);
        size_t at, step = (nb - 20) / 100;
        for (at = 12; at + 8 < nb; at += step) {
            spytag_model *bm = NULL;
            spytag_error berr;
            int rc = load_flipped(copy, b, nb, at, &bm, &berr);
            assert_file_agrees(copy, nb, rc, bm, &berr);
            spytag_model_free(bm);
        }
        free(copy);
    }
    spytag_model_free(m);
    spytag_corpus_free(c);
    free(b);
    free(text);
}
END_TEST

/* ---- sparse weights ---------------------------------------------------- */

START_TEST(test_sparse_weights)
{
    /* a model whose weights are mostly 0 is written sparse (flags bit 1),
     * comes back with the same bits (-0.0 included), and is written back
     * the same; the fixture's own model, nearly all nonzero, stays dense */
    spytag_model *m = tu_fixture_model(), *back = NULL;
    size_t T = spytag_model_ntopics(m), nf = spytag_vectorizer_size(&m->vec);
    size_t i, nnz = 0, n1, n2, B = (T + 7) / 8, at;
    unsigned char *b1 = NULL, *b2 = NULL, *copy;
    spytag_error err;
    uint32_t x;

    ck_assert_int_eq(bytes[12] & 2, 0);              /* dense */
    for (i = 0; i < nf * T; i++)
        if (i % 5)
            m->w[i] = 0.0f;
    m->w[5] = -0.0f;                  /* stored: its sign is kept */
    for (i = 0; i < nf * T; i++) {
        memcpy(&x, &m->w[i], 4);
        nnz += x != 0;
    }
    ck_assert_int_eq(spytag_model_serialize(m, &b1, &n1), SPYTAG_OK);
    ck_assert_int_eq(b1[12] & 2, 2);                  /* sparse */
    ck_assert_uint_lt(n1, nbytes);
    ck_assert_int_eq(load(b1, n1, &back, &err), SPYTAG_OK);
    {   /* the same weights (in the file's order of the features): as
         * many stored, the one -0.0 among them */
        size_t k = 0, neg0 = 0;
        ck_assert_ptr_null(back->w);                  /* sparse rows */
        for (i = 0; i < nf * T; i++) {
            float w = spytag_weight(back, i / T, i % T);
            memcpy(&x, &w, 4);
            k += x != 0;
            neg0 += x == 0x80000000u;
        }
        ck_assert_uint_eq(k, nnz);
        ck_assert_uint_eq(neg0, 1);
    }
    ck_assert_int_eq(spytag_model_serialize(back, &b2, &n2), SPYTAG_OK);
    ck_assert_uint_eq(n1, n2);
    ck_assert_mem_eq(b1, b2, n1);
    spytag_model_free(back);
    back = NULL;

    /* the section: bitmaps and weights, then the checksum */
    at = n1 - 8 - (nf * B + 4 * nnz);
    copy = malloc(n1);
    ck_assert_ptr_nonnull(copy);
    /* a bit past the last topic */
    memcpy(copy, b1, n1);
    copy[at + B - 1] |= (unsigned char)(0x80u);
    ck_assert(T % 8 != 0 && B == 1);
    reseal(copy, n1);
    ck_assert_int_eq(load(copy, n1, &back, &err), SPYTAG_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "sparse"));
    /* a stored weight of +0.0, and one that is not finite */
    for (i = 0; i < 2; i++) {
        size_t w0 = at;               /* the first stored weight */
        memcpy(copy, b1, n1);
        while (copy[w0] == 0)         /* (T <= 8: one byte a bitmap) */
            w0 += B;
        w0 += B;
        memcpy(copy + w0, i ? "\x00\x00\xc0\x7f" : "\x00\x00\x00\x00", 4);
        reseal(copy, n1);
        ck_assert_int_eq(load(copy, n1, &back, &err), SPYTAG_EFORMAT);
        ck_assert_ptr_nonnull(
            strstr(err.message, i ? "non-finite" : "sparse"));
    }
    /* one weight short (the section ends early) */
    memcpy(copy, b1, n1);
    memmove(copy + n1 - 12, copy + n1 - 8, 8);
    reseal(copy, n1 - 4);
    ck_assert_int_eq(load(copy, n1 - 4, &back, &err), SPYTAG_EFORMAT);
    /* a flag this version does not know */
    memcpy(copy, b1, n1);
    copy[12] |= 4;
    reseal(copy, n1);
    ck_assert_int_eq(load(copy, n1, &back, &err), SPYTAG_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "flags"));
    ck_assert_ptr_null(back);
    free(copy);
    free(b1);
    free(b2);
    spytag_model_free(m);
}
END_TEST

START_TEST(test_resealed_flips_never_crash)
{
    /* every byte flipped and the checksum recomputed: the structural
     * checks must refuse the file with EFORMAT, or give a model that
     * classifies without crashing */
    unsigned char *copy = malloc(nbytes);
    size_t i, accepted = 0;
    for (i = 12; i + 8 < nbytes; i++) {
        spytag_model *m = NULL;
        spytag_error err;
        int rc = load_flipped(copy, bytes, nbytes, i, &m, &err);
        ck_assert_msg(rc == SPYTAG_OK || rc == SPYTAG_EFORMAT ||
                      rc == SPYTAG_ENOMEM, "byte %zu: status %d", i, rc);
        /* read from a file (weights kept in place): the same verdict,
         * the same message, the same model */
        assert_file_agrees(copy, nbytes, rc, m, &err);
        if (rc == SPYTAG_OK) {
            spytag_classifier *cl = spytag_classifier_new(m);
            const char *text = "telescope oven yacht sails bread galaxy";
            double s[SPYTAG_MAX_TOPICS];
            ck_assert_ptr_nonnull(cl);
            ck_assert_int_eq(spytag_classify(cl, text, strlen(text), s, NULL,
                                             NULL), SPYTAG_OK);
            spytag_classifier_free(cl);
            spytag_model_free(m);
            accepted++;
        } else {
            ck_assert_ptr_null(m);
        }
    }
    /* weights and many header numbers may change freely */
    ck_assert_uint_gt(accepted, 0);
    free(copy);
}
END_TEST

static Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("roundtrip");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_layout);
    tcase_add_test(tc, test_roundtrip_buffer);
    tcase_add_test(tc, test_options_survive);
    tcase_add_test(tc, test_save_and_load_file);
    tcase_add_test(tc, test_save_replaces);
    tcase_add_test(tc, test_save_fails);
    tcase_add_test(tc, test_load_missing);
    tcase_add_test(tc, test_shipped_model_loads);
    tcase_add_test(tc, test_big_model_loads_on_threads);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);

    tc = tcase_create("corrupt");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_bad_magic);
    tcase_add_test(tc, test_every_truncation);
    tcase_add_test(tc, test_every_flipped_byte);
    tcase_add_test(tc, test_future_version);
    tcase_add_test(tc, test_version_1_loads);
    tcase_add_test(tc, test_order_is_checked);
    tcase_add_test(tc, test_version_2_order_any);
    tcase_add_test(tc, test_bad_fields_behind_checksum);
    tcase_add_test(tc, test_nonfinite_weight_behind_checksum);
    tcase_add_test(tc, test_weights_at_every_offset);
    tcase_add_test(tc, test_sparse_not_kept_in_place);
    tcase_add_test(tc, test_word_table_reserved_exactly);
    tcase_add_test(tc, test_bad_pairs_behind_checksum);
    tcase_add_test(tc, test_resealed_flips_never_crash);
    tcase_add_test(tc, test_sparse_weights);
    tcase_set_timeout(tc, 300);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(model_suite());
}
