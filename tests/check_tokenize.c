/*
 * check_tokenize.c - the tokenizer (tokenize.c): Unicode case folding and
 * NFKC, apostrophes, numbers, hyphens, dropped tokens (single ASCII
 * characters, over-long tokens, stop words), stemming, and invalid UTF-8,
 * which must never fail and must act as a separator.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Asserts the tokens of a NUL-terminated text, stop words off, no stems. */
#define TOKS(text, want) TOKS_N(text, sizeof(text) - 1, want)
#define TOKS_N(text, n, want) \
    do { \
        char *got_ = tu_tokens_with(0, 0, (text), (n)); \
        ck_assert_str_eq(got_, (want)); \
        free(got_); \
    } while (0)

START_TEST(test_case_folding)
{
    TOKS("HUAWEI", "huawei");
    TOKS("Huawei", "huawei");
    TOKS("huawei", "huawei");
    TOKS("HuAwEi hUaWeI", "huawei|huawei");
    /* (fullwidth forms: test_nfkc_compat, a known bug) */
    /* non-ASCII case folding, including the full folding of sharp s */
    TOKS("CAFÉ Café café", "café|café|café");
    TOKS("STRASSE Straße", "strasse|strasse");
    TOKS("ΑΘΗΝΑ", "αθηνα");
}
END_TEST

START_TEST(test_nfkc)
{
    /* the ligature U+FB01 "ﬁ" becomes "fi" */
    TOKS("the ﬁrm", "the|firm");
    /* decomposed e + combining acute composes to the same token as é */
    TOKS("cafe\xcc\x81 caf\xc3\xa9", "café|café");
    TOKS("CAFE\xcc\x81", "café");
}
END_TEST

START_TEST(test_apostrophes)
{
    TOKS("Huawei’s", "huawei");           /* U+2019, possessive dropped */
    TOKS("Huawei's profits", "huawei|profits");
    TOKS("HUAWEI'S", "huawei");
    /* (U+02BC: test_modifier_apostrophe, a known bug) */
    TOKS("don't", "dont");
    TOKS("don’t", "dont");
    TOKS("O'Brien", "obrien");
    /* apostrophes that are not between two letters separate */
    TOKS("'quoted' words", "quoted|words");
    TOKS("rock 'n' roll", "rock|roll");
    TOKS("the 1990's", "the|1990");
    /* before a digit too (a mutation test found that dropping this check,
     * which makes "summer19", passed every test) */
    TOKS("summer'19 festival", "summer|19|festival");
}
END_TEST

START_TEST(test_numbers_and_hyphens)
{
    TOKS("5G", "5g");
    TOKS("5G networks", "5g|networks");
    TOKS("G7 summit in 2019, 1980s", "g7|summit|in|2019|1980s");
    /* "3.5" and "1,000" split; the single digits are dropped */
    TOKS("3.5 1,000", "000");
    TOKS("cyber-espionage", "cyber|espionage");
    TOKS("state‑sponsored", "state|sponsored");    /* U+2011 */
    TOKS("e-mail", "mail");
    TOKS("foo_bar", "foo|bar");
}
END_TEST

START_TEST(test_single_ascii_dropped)
{
    TOKS("a b c x1 5 Z", "x1");
    TOKS("I", "");
    /* a single non-ASCII letter is a token */
    TOKS("é", "é");
}
END_TEST

START_TEST(test_long_tokens)
{
    char buf[400];
    char *got;
    size_t i;

    memset(buf, 'x', 64);
    buf[64] = '\0';
    TOKS_N(buf, 64, buf);                        /* 64 bytes: kept */

    memset(buf, 'y', 65);
    memcpy(buf + 65, " ok", 4);
    TOKS_N(buf, 68, "ok");                       /* 65 bytes: dropped */

    /* 32 x "é" is 64 bytes, 33 x is 66: measured after normalisation */
    buf[0] = '\0';
    for (i = 0; i < 32; i++)
        strcat(buf, "é");
    got = tu_tokens_with(0, 0, buf, strlen(buf));
    ck_assert_str_eq(got, buf);
    free(got);
    strcat(buf, "é");
    got = tu_tokens_with(0, 0, buf, strlen(buf));
    ck_assert_str_eq(got, "");
    free(got);
}
END_TEST

START_TEST(test_huge_token_bounded)
{
    /* a megabyte without a separator is dropped; the next word survives */
    size_t n = 1u << 20;
    char *buf = malloc(n + 16);
    char *got;
    memset(buf, 'q', n);
    memcpy(buf + n, " after", 6);
    got = tu_tokens_with(0, 0, buf, n + 6);
    ck_assert_str_eq(got, "after");
    free(got);
    /* the same with a non-ASCII run */
    for (size_t i = 0; i + 2 <= n; i += 2)
        memcpy(buf + i, "é", 2);
    memcpy(buf + n, " after", 6);
    got = tu_tokens_with(0, 0, buf, n + 6);
    ck_assert_str_eq(got, "after");
    free(got);
    free(buf);
}
END_TEST

START_TEST(test_stopwords)
{
    const char *text = "The cat and the hat are in the US";
    char *on = tu_tokens_with(1, 0, text, strlen(text));
    char *off = tu_tokens_with(0, 0, text, strlen(text));
    /* "us" is not a stop word: it is also the country */
    ck_assert_str_eq(on, "cat|hat|us");
    ck_assert_str_eq(off, "the|cat|and|the|hat|are|in|the|us");
    free(on);
    free(off);
    on = tu_tokens_with(1, 0, "don't WOULDN'T", 14);
    ck_assert_str_eq(on, "");
    free(on);
}
END_TEST

START_TEST(test_stemming)
{
    const char *text = "Running runs connected connections spies";
    char *st = tu_tokens_with(0, 1, text, strlen(text));
    char *plain = tu_tokens_with(0, 0, text, strlen(text));
    ck_assert_str_eq(st, "run|run|connect|connect|spi");
    ck_assert_str_eq(plain, "running|runs|connected|connections|spies");
    free(st);
    free(plain);
    /* stop words are removed before stemming */
    st = tu_tokens_with(1, 1, "the being beings", 16);
    ck_assert_str_eq(st, "be");
    free(st);
}
END_TEST

/* Each invalid sequence between "abc" and "def" is a separator. */
START_TEST(test_invalid_utf8_separates)
{
    static const struct {
        const char *what;
        const char *text;
        size_t len;
    } cases[] = {
        { "stray continuation", "abc\x80" "def", 7 },
        { "overlong slash", "abc\xc0\xaf" "def", 8 },
        { "overlong 3-byte", "abc\xe0\x80\xaf" "def", 9 },
        { "surrogate", "abc\xed\xa0\x80" "def", 9 },
        { "cut 3-byte in the middle", "abc\xe4\xb8" "def", 8 },
        { "NUL byte", "abc\0def", 7 },
        { "byte FF", "abc\xff" "def", 7 },
        { "above U+10FFFF", "abc\xf4\x90\x80\x80" "def", 10 },
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = tu_tokens_with(0, 0, cases[i].text, cases[i].len);
        ck_assert_msg(strcmp(got, "abc|def") == 0, "%s: got '%s'",
                      cases[i].what, got);
        free(got);
    }
}
END_TEST

START_TEST(test_invalid_utf8_at_end)
{
    TOKS_N("abc\xe4\xb8", 5, "abc");           /* sequence cut at the end */
    TOKS_N("abc\xf0\x9f", 5, "abc");
    TOKS_N("\x80\x80\x80", 3, "");
    /* inside a non-ASCII word too */
    TOKS_N("caf\xc3\xa9\x80" "bar", 9, "café|bar");
    /* the fixture file with assorted bad bytes */
    {
        size_t len;
        unsigned char *buf = tu_read(tu_data("tricky-utf8.txt"), &len);
        char *got = tu_tokens_with(0, 0, (const char *)buf, len);
        ck_assert_str_eq(got, "huawei|telescope|obser|vatory|galaxy|comet|"
                              "night|sky");
        free(got);
        free(buf);
    }
}
END_TEST

static int check_token(const char *tok, size_t len, void *user)
{
    size_t i = 0;
    (void)user;
    ck_assert_uint_ge(len, 1);
    ck_assert_uint_le(len, SPYTAG_MAX_TOKEN_BYTES);
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t w = utf8proc_iterate((const utf8proc_uint8_t *)tok + i,
                                              (utf8proc_ssize_t)(len - i), &cp);
        ck_assert_msg(w > 0, "token is not valid UTF-8");
        i += (size_t)w;
    }
    return 0;
}

START_TEST(test_random_bytes_never_fail)
{
    /* random bytes: OK, and every token is valid UTF-8 within the limit */
    spytag_options o;
    spytag_tokenizer *tk;
    unsigned char buf[512];
    unsigned seed = 12345;
    int round;
    spytag_options_init(&o);
    o.stem = 1;
    tk = spytag_tokenizer_new(&o);
    ck_assert_ptr_nonnull(tk);
    for (round = 0; round < 3000; round++) {
        size_t n = (size_t)(round % 512), i;
        for (i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            /* mix ASCII letters with high bytes */
            buf[i] = (seed >> 16) & 1 ? (unsigned char)('a' + (seed >> 20) % 26)
                                      : (unsigned char)(seed >> 8);
        }
        ck_assert_int_eq(spytag_tokenize(tk, (const char *)buf, n,
                                         check_token, NULL), SPYTAG_OK);
    }
    spytag_tokenizer_free(tk);
}
END_TEST

START_TEST(test_empty_input)
{
    spytag_tokenizer *tk = spytag_tokenizer_new(NULL);
    ck_assert_ptr_nonnull(tk);
    TOKS("", "");
    TOKS("  ,;--  \t\n", "");
    ck_assert_int_eq(spytag_tokenize(tk, NULL, 0, check_token, NULL),
                     SPYTAG_OK);
    ck_assert_int_eq(spytag_tokenize(tk, NULL, 5, check_token, NULL),
                     SPYTAG_EINVAL);
    ck_assert_int_eq(spytag_tokenize(tk, "abc", 3, NULL, NULL),
                     SPYTAG_EINVAL);
    spytag_tokenizer_free(tk);
    spytag_tokenizer_free(NULL);
}
END_TEST

static int stop_at_second(const char *tok, size_t len, void *user)
{
    int *n = user;
    (void)tok;
    (void)len;
    return ++*n == 2 ? 42 : 0;
}

START_TEST(test_callback_stops)
{
    spytag_tokenizer *tk = spytag_tokenizer_new(NULL);
    int n = 0;
    ck_assert_int_eq(spytag_tokenize(tk, "one two three four", 18,
                                     stop_at_second, &n), 42);
    ck_assert_int_eq(n, 2);
    /* the tokenizer is reusable after an early stop */
    n = 0;
    ck_assert_int_eq(spytag_tokenize(tk, "five", 4, stop_at_second, &n), 0);
    ck_assert_int_eq(n, 1);
    spytag_tokenizer_free(tk);
}
END_TEST

START_TEST(test_is_stopword)
{
    spytag_options o;
    spytag_tokenizer *on, *off;
    spytag_options_init(&o);
    on = spytag_tokenizer_new(&o);
    o.stopwords = 0;
    off = spytag_tokenizer_new(&o);
    ck_assert_int_eq(spytag_tokenizer_is_stopword(on, "the", 3), 1);
    ck_assert_int_eq(spytag_tokenizer_is_stopword(on, "yourselves", 10), 1);
    ck_assert_int_eq(spytag_tokenizer_is_stopword(on, "us", 2), 0);
    ck_assert_int_eq(spytag_tokenizer_is_stopword(on, "telescope", 9), 0);
    ck_assert_int_eq(spytag_tokenizer_is_stopword(off, "the", 3), 0);
    spytag_tokenizer_free(on);
    spytag_tokenizer_free(off);
}
END_TEST

/* FIXED BUG: tokenize.c flush() calls utf8proc_decompose() with
 * UTF8PROC_COMPAT | UTF8PROC_CASEFOLD but without UTF8PROC_DECOMPOSE (it
 * masks out UTF8PROC_COMPOSE), and utf8proc applies (compatibility)
 * decompositions only when one of the two is set.  So there is no NFKC
 * beyond what case folding does: fullwidth "ＨＵＡＷＥＩ" gives
 * "ｈｕａｗｅｉ" instead of "huawei", "km²" stays "km²".  (The ligature
 * "ﬁ" works only because its case folding is "fi".)  Not in the list. */
START_TEST(test_nfkc_compat)
{
    char buf[100];
    size_t i;
    TOKS("ＨＵＡＷＥＩ", "huawei");
    TOKS("Ｈｕａｗｅｉ HUAWEI", "huawei|huawei");
    TOKS("km²", "km2");
    TOKS("Ⅻ", "xii");                           /* U+216B */
    /* 22 x 3 bytes of input, 22 bytes once normalised: kept */
    buf[0] = '\0';
    for (i = 0; i < 22; i++)
        strcat(buf, "Ｘ");
    TOKS_N(buf, strlen(buf), "xxxxxxxxxxxxxxxxxxxxxx");
}
END_TEST

/* FIXED BUG: tokenize.c spytag_tokenize_raw() tests is_word_cp() before
 * is_apostrophe(), and U+02BC MODIFIER LETTER APOSTROPHE is a letter (Lm),
 * so it never reaches the apostrophe rule: "Huaweiʼs" gives "huaweiʼs"
 * instead of "huawei" (U+2019 and U+0027 work).  Not in the list. */
START_TEST(test_modifier_apostrophe)
{
    TOKS("Huaweiʼs", "huawei");
    TOKS("donʼt", "dont");
}
END_TEST

/* FIXED BUG: tokenize.c flush() drops a single-character token only on the
 * ASCII path (n == 1 before normalisation), so fullwidth "Ｘ" (U+FF38), which
 * should normalise to "x", is kept while "X" is dropped; the design says the
 * two forms meet.  (Today it even comes out as "ｘ", see test_nfkc_compat;
 * fixing NFKC alone leaves "x" kept.)  Not in the list. */
START_TEST(test_fullwidth_single_char_dropped)
{
    TOKS("X Ｘ", "");
}
END_TEST

static Suite *tokenize_suite(void)
{
    Suite *s = suite_create("tokenize");
    TCase *tc = tcase_create("unicode");
    tcase_add_test(tc, test_case_folding);
    tcase_add_test(tc, test_nfkc);
    tcase_add_test(tc, test_apostrophes);
    suite_add_tcase(s, tc);

    tc = tcase_create("words");
    tcase_add_test(tc, test_numbers_and_hyphens);
    tcase_add_test(tc, test_single_ascii_dropped);
    tcase_add_test(tc, test_long_tokens);
    tcase_add_test(tc, test_huge_token_bounded);
    tcase_add_test(tc, test_stopwords);
    tcase_add_test(tc, test_stemming);
    tcase_add_test(tc, test_is_stopword);
    suite_add_tcase(s, tc);

    tc = tcase_create("robustness");
    tcase_add_test(tc, test_invalid_utf8_separates);
    tcase_add_test(tc, test_invalid_utf8_at_end);
    tcase_add_test(tc, test_random_bytes_never_fail);
    tcase_add_test(tc, test_empty_input);
    tcase_add_test(tc, test_callback_stops);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    {   /* regressions: bugs found by these tests, now fixed */
        tc = tcase_create("regressions");
        tcase_add_test(tc, test_nfkc_compat);
        tcase_add_test(tc, test_modifier_apostrophe);
        tcase_add_test(tc, test_fullwidth_single_char_dropped);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    return tu_run(tokenize_suite());
}
