/*
 * check_vocab.c - the hash tables of vocab.c: dense ids in insertion order,
 * lookups of present and absent keys, strings compared by length and bytes
 * (not as C strings), and growth far past the initial size.
 */
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_strtab_ids)
{
    spytag_strtab *t = spytag_strtab_new(4);
    size_t len;
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(spytag_strtab_size(t), 0);
    ck_assert_int_eq(spytag_strtab_find(t, "apple", 5), -1);
    ck_assert_int_eq(spytag_strtab_intern(t, "apple", 5), 0);
    ck_assert_int_eq(spytag_strtab_intern(t, "banana", 6), 1);
    ck_assert_int_eq(spytag_strtab_intern(t, "apple", 5), 0);  /* again */
    ck_assert_int_eq(spytag_strtab_intern(t, "cherry", 6), 2);
    ck_assert_uint_eq(spytag_strtab_size(t), 3);
    ck_assert_int_eq(spytag_strtab_find(t, "banana", 6), 1);
    ck_assert_int_eq(spytag_strtab_find(t, "banan", 5), -1);
    ck_assert_str_eq(spytag_strtab_str(t, 2, &len), "cherry");
    ck_assert_uint_eq(len, 6);
    ck_assert_str_eq(spytag_strtab_str(t, 0, NULL), "apple");
    spytag_strtab_free(t);
    spytag_strtab_free(NULL);
}
END_TEST

START_TEST(test_strtab_lengths)
{
    /* keys are byte ranges: a prefix, an empty key and an embedded NUL
     * are all distinct keys */
    spytag_strtab *t = spytag_strtab_new(0);
    size_t len;
    ck_assert_int_eq(spytag_strtab_intern(t, "abcdef", 3), 0);     /* "abc" */
    ck_assert_int_eq(spytag_strtab_intern(t, "abcdef", 6), 1);
    ck_assert_int_eq(spytag_strtab_intern(t, "", 0), 2);
    ck_assert_int_eq(spytag_strtab_intern(t, "ab\0c", 4), 3);
    ck_assert_int_eq(spytag_strtab_find(t, "abc", 3), 0);
    ck_assert_int_eq(spytag_strtab_find(t, "ab", 2), -1);
    ck_assert_int_eq(spytag_strtab_find(t, "", 0), 2);
    ck_assert_int_eq(spytag_strtab_find(t, "ab\0c", 4), 3);
    ck_assert_int_eq(spytag_strtab_find(t, "ab\0d", 4), -1);
    ck_assert_str_eq(spytag_strtab_str(t, 0, &len), "abc");   /* NUL-ended */
    ck_assert_uint_eq(len, 3);
    spytag_strtab_str(t, 2, &len);
    ck_assert_uint_eq(len, 0);
    spytag_strtab_free(t);
}
END_TEST

START_TEST(test_strtab_growth)
{
    /* 200 000 keys from a table made for 16: every id stays findable and
     * every string stays intact across the rehashes and arena moves */
    spytag_strtab *t = spytag_strtab_new(16);
    char buf[32];
    int i, n = 200000;
    for (i = 0; i < n; i++) {
        int k = snprintf(buf, sizeof buf, "w%d", i * 7);
        ck_assert_int_eq(spytag_strtab_intern(t, buf, (size_t)k), i);
    }
    ck_assert_uint_eq(spytag_strtab_size(t), (size_t)n);
    for (i = 0; i < n; i += 97) {
        int k = snprintf(buf, sizeof buf, "w%d", i * 7);
        ck_assert_int_eq(spytag_strtab_find(t, buf, (size_t)k), i);
        ck_assert_str_eq(spytag_strtab_str(t, i, NULL), buf);
    }
    ck_assert_int_eq(spytag_strtab_find(t, "w1", 2), -1);
    spytag_strtab_free(t);
}
END_TEST

START_TEST(test_strtab_reserve_hashed)
{
    /* room made for 3 strings of 16 bytes, then a fourth past it; interns
     * with the hash given agree with plain interns and finds, short keys
     * and a long one (past the inline bytes) alike */
    static const char *w[] = { "tiger", "otter", "ox",
                               "a word much longer than the inline bytes" };
    spytag_strtab *t = spytag_strtab_new(4);
    size_t i;
    ck_assert_int_eq(spytag_strtab_reserve(t, 3, 16), 0);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(spytag_strtab_intern_hashed(
                             t, w[i], strlen(w[i]),
                             spytag_strtab_hash(w[i], strlen(w[i]))),
                         (int)i);
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(spytag_strtab_intern(t, w[i], strlen(w[i])), (int)i);
        ck_assert_int_eq(spytag_strtab_find(t, w[i], strlen(w[i])), (int)i);
        ck_assert_str_eq(spytag_strtab_str(t, (int32_t)i, NULL), w[i]);
    }
    ck_assert_uint_eq(spytag_strtab_size(t), 4);
    ck_assert_int_eq(spytag_strtab_reserve(t, SIZE_MAX, 1), -1);
    ck_assert_int_eq(spytag_strtab_reserve(t, 1, SIZE_MAX), -1);
    ck_assert_int_eq(spytag_strtab_find(t, "ox", 2), 2);   /* unharmed */
    spytag_strtab_free(t);
}
END_TEST

START_TEST(test_pairtab)
{
    spytag_pairtab *t = spytag_pairtab_new(1);
    uint32_t a, b;
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(spytag_pairtab_find(t, 1, 2), -1);
    ck_assert_int_eq(spytag_pairtab_intern(t, 1, 2), 0);
    ck_assert_int_eq(spytag_pairtab_intern(t, 2, 1), 1);   /* ordered */
    ck_assert_int_eq(spytag_pairtab_intern(t, 0, 0), 2);
    ck_assert_int_eq(spytag_pairtab_intern(t, 0xffffffffu, 7), 3);
    ck_assert_int_eq(spytag_pairtab_intern(t, 1, 2), 0);
    ck_assert_uint_eq(spytag_pairtab_size(t), 4);
    ck_assert_int_eq(spytag_pairtab_find(t, 2, 1), 1);
    ck_assert_int_eq(spytag_pairtab_find(t, 7, 0xffffffffu), -1);
    spytag_pairtab_get(t, 3, &a, &b);
    ck_assert_uint_eq(a, 0xffffffffu);
    ck_assert_uint_eq(b, 7);
    spytag_pairtab_get(t, 1, &a, &b);
    ck_assert_uint_eq(a, 2);
    ck_assert_uint_eq(b, 1);
    spytag_pairtab_free(t);
    spytag_pairtab_free(NULL);
}
END_TEST

START_TEST(test_batched_lookups)
{
    spytag_strtab *t = spytag_strtab_new(4);
    spytag_pairtab *p = spytag_pairtab_new(4);
    char buf[64];
    uint64_t k[3], h;
    int i;
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(p);
    for (i = 0; i < 2000; i++) {
        int n = snprintf(buf, sizeof buf, "w%d", i * 7919);
        ck_assert_int_eq(spytag_strtab_intern(t, buf, (size_t)n), i);
        ck_assert_int_eq(spytag_pairtab_intern(p, (uint32_t)i,
                                               (uint32_t)(i * 3)), i);
    }
    ck_assert_int_eq(spytag_strtab_intern(t, "exactly23bytesofkeyabcd", 23),
                     2000);
    for (i = 0; i < 4000; i++) {
        size_t n;
        uint64_t key = (uint64_t)i << 32 | (uint32_t)(i * 3);
        memset(buf, 0, sizeof buf);
        n = (size_t)snprintf(buf, sizeof buf, "w%d", i * 7919);
        h = spytag_strtab_key(buf, n, k);
        spytag_strtab_prefetch(t, h);
        ck_assert_int_eq(spytag_strtab_find_key(t, k, h), i < 2000 ? i : -1);
        ck_assert_int_eq(spytag_strtab_find_key(t, k, h),
                         spytag_strtab_find(t, buf, n));
        h = spytag_pairtab_hash(key);
        spytag_pairtab_prefetch(p, h);
        ck_assert_int_eq(spytag_pairtab_find_hashed(p, key, h),
                         i < 2000 ? i : -1);
    }
    memset(buf, 0, sizeof buf);
    memcpy(buf, "exactly23bytesofkeyabcd", 23);
    h = spytag_strtab_key(buf, 23, k);
    ck_assert_int_eq(spytag_strtab_find_key(t, k, h), 2000);
    buf[22] = '\0';                          /* a prefix is another key */
    h = spytag_strtab_key(buf, 22, k);
    ck_assert_int_eq(spytag_strtab_find_key(t, k, h), -1);
    spytag_strtab_free(t);
    spytag_pairtab_free(p);
}
END_TEST

START_TEST(test_pairtab_growth)
{
    spytag_pairtab *t = spytag_pairtab_new(0);
    uint32_t i, a, b, n = 300;
    int32_t id = 0;
    for (i = 0; i < n; i++)
        for (a = 0; a < 300; a++, id++)
            ck_assert_int_eq(spytag_pairtab_intern(t, i, a * 3), id);
    ck_assert_uint_eq(spytag_pairtab_size(t), (size_t)id);
    for (i = 0; i < n; i += 13)
        for (a = 0; a < 300; a += 11) {
            int32_t want = (int32_t)(i * 300 + a);
            ck_assert_int_eq(spytag_pairtab_find(t, i, a * 3), want);
            uint32_t x, y;
            spytag_pairtab_get(t, want, &x, &y);
            ck_assert_uint_eq(x, i);
            ck_assert_uint_eq(y, a * 3);
        }
    spytag_pairtab_get(t, 300 * 5 + 4, &a, &b);
    ck_assert_uint_eq(a, 5);
    ck_assert_uint_eq(b, 12);
    ck_assert_int_eq(spytag_pairtab_find(t, 0, 1), -1);
    spytag_pairtab_free(t);
}
END_TEST

START_TEST(test_pairtab_add_all_takes_keys)
{
    /* the table keeps the caller's array (no copy, no room it lacks) and
     * grows it when pairs are interned later; a table that is not empty,
     * or already took an array, refuses and frees the one offered (a leak
     * under valgrind otherwise) */
    spytag_pairtab *t = spytag_pairtab_new(3);
    uint64_t *keys = malloc(3 * sizeof *keys), *k2;
    uint32_t i, a, b;
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(keys);
    keys[0] = (uint64_t)1 << 32 | 2;
    keys[1] = (uint64_t)2 << 32 | 1;
    keys[2] = 7;
    ck_assert_int_eq(spytag_pairtab_add_all(t, keys, 3), -1);
    ck_assert_ptr_eq(t->keys, keys);
    ck_assert_uint_le(t->cap, 3);
    for (i = 0; i < 100; i++)
        ck_assert_int_eq(spytag_pairtab_intern(t, 100 + i, i), 3 + (int)i);
    spytag_pairtab_get(t, 1, &a, &b);
    ck_assert_uint_eq(a, 2);
    ck_assert_uint_eq(b, 1);
    spytag_pairtab_get(t, 102, &a, &b);
    ck_assert_uint_eq(a, 199);
    ck_assert_uint_eq(b, 99);
    k2 = malloc(sizeof *k2);
    k2[0] = 5;
    ck_assert_int_eq(spytag_pairtab_add_all(t, k2, 1), -2);
    spytag_pairtab_free(t);
    t = spytag_pairtab_new(4);
    ck_assert_int_eq(spytag_pairtab_add_all(t, malloc(8), 0), -1);
    k2 = malloc(sizeof *k2);
    k2[0] = 5;
    ck_assert_int_eq(spytag_pairtab_add_all(t, k2, 1), -2);
    spytag_pairtab_free(t);
}
END_TEST

START_TEST(test_big_alloc)
{
    /* from 256 KiB on: aligned to 2 MiB, zeroed when asked; sizes that
     * cannot be rounded up are refused */
    static const size_t sizes[] = { (size_t)1 << 18, ((size_t)1 << 18) + 1,
                                    (size_t)1 << 20, ((size_t)3 << 20) + 1 };
    size_t k, i;
    for (k = 0; k < 4; k++) {
        unsigned char *p = spytag_big_alloc(sizes[k], 1), any = 0;
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p % ((size_t)2 << 20), 0);
        for (i = 0; i < sizes[k]; i++)   /* (one assertion: fast under
                                            valgrind) */
            any |= p[i];
        ck_assert_uint_eq(any, 0);
        free(p);
    }
    ck_assert_ptr_null(spytag_big_alloc(SIZE_MAX - 1, 0));
    ck_assert_ptr_null(spytag_big_alloc(SIZE_MAX - 1000, 1));
}
END_TEST

static Suite *vocab_suite(void)
{
    Suite *s = suite_create("vocab");
    TCase *tc = tcase_create("strtab");
    tcase_add_test(tc, test_strtab_ids);
    tcase_add_test(tc, test_strtab_lengths);
    tcase_add_test(tc, test_strtab_growth);
    tcase_add_test(tc, test_strtab_reserve_hashed);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    tc = tcase_create("pairtab");
    tcase_add_test(tc, test_pairtab);
    tcase_add_test(tc, test_pairtab_growth);
    tcase_add_test(tc, test_pairtab_add_all_takes_keys);
    tcase_add_test(tc, test_big_alloc);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    tcase_add_test(tc, test_batched_lookups);
#endif
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(vocab_suite());
}
