/*
 * vocab.h - the string and pair tables of vocab.c; not installed.  The
 * tables' layout is here, not in vocab.c, so that the lookups on the
 * classification path (one or two per token) can be inlined where they
 * are used.  Included by internal.h (which defines SPYTAG_PREFETCH).
 */
#ifndef SPYTAG_VOCAB_H
#define SPYTAG_VOCAB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Maps byte strings to dense ids 0..n-1 in insertion order.  Strings are
 * copied into one arena owned by the table. */
typedef struct spytag_strtab spytag_strtab;
spytag_strtab *spytag_strtab_new(size_t expected);
void spytag_strtab_free(spytag_strtab *t);
/* Returns the id of s, or -1 when absent. */
int32_t spytag_strtab_find(const spytag_strtab *t, const char *s, size_t len);
/* Batched lookups of short keys, so that a caller can overlap the cache
 * misses of many lookups: spytag_strtab_key fills k from s (at most
 * SPYTAG_STRTAB_INLINE bytes, followed by zero bytes up to at least 24
 * bytes in all, as in the tokenizer's buffer) and
 * returns its hash; spytag_strtab_prefetch starts loading the key's slot;
 * spytag_strtab_find_key returns the id or -1.  Little-endian hosts.
 * (These are inline, below.) */
#define SPYTAG_STRTAB_INLINE 23
/* Returns the id of s, adding it when absent; -1 when out of memory. */
int32_t spytag_strtab_intern(spytag_strtab *t, const char *s, size_t len);
/* The same, for a caller that hashed s already (spytag_strtab_hash), as
 * a model's load does a few words ahead, to prefetch their slots. */
uint64_t spytag_strtab_hash(const char *s, size_t len);
int32_t spytag_strtab_intern_hashed(spytag_strtab *t, const char *s,
                                    size_t len, uint64_t h);
/* Makes room for n more strings of `bytes` bytes in all, their NULs
 * included, so that that many interns allocate nothing (they still
 * allocate if there are more); 0, or -1 when out of memory. */
int spytag_strtab_reserve(spytag_strtab *t, size_t n, size_t bytes);
size_t spytag_strtab_size(const spytag_strtab *t);
const char *spytag_strtab_str(const spytag_strtab *t, int32_t id,
                              size_t *len);

/* Maps pairs of 32-bit ids to dense ids in insertion order. */
typedef struct spytag_pairtab spytag_pairtab;
spytag_pairtab *spytag_pairtab_new(size_t expected);
void spytag_pairtab_free(spytag_pairtab *t);
int32_t spytag_pairtab_find(const spytag_pairtab *t, uint32_t a, uint32_t b);
/* Batched lookups, as for strings, are inline, below: the key of (a, b)
 * is (uint64_t)a << 32 | b. */
int32_t spytag_pairtab_intern(spytag_pairtab *t, uint32_t a, uint32_t b);
/* Fills a new, empty table made for at least n pairs with the n keys
 * ((uint64_t)a << 32 | b), ids 0..n-1, faster than n interns (the slots
 * are prefetched).  The table takes keys, an array of at least n from
 * malloc or spytag_big_alloc, as its array of keys by id, and frees it
 * (also when it fails), so that a model's pairs are not copied once
 * more.  Returns -1 when done, the index of the first key that repeats an
 * earlier one, or -2 when the table is not an empty one of that size. */
long spytag_pairtab_add_all(spytag_pairtab *t, uint64_t *keys, size_t n);
size_t spytag_pairtab_size(const spytag_pairtab *t);
void spytag_pairtab_get(const spytag_pairtab *t, int32_t id, uint32_t *a,
                        uint32_t *b);


/* ---- the layout, for the inline lookups below --------------------------- */

/* Open addressing with linear probing, at most half full.  A string slot
 * is 32 bytes, two to a cache line: keys of up to SPYTAG_STRTAB_INLINE
 * bytes are stored in the slot itself, zero-padded, with their length in
 * the last byte, so a lookup compares three words and touches one cache
 * line; longer keys (length byte 0xff) are compared in the arena. */
struct spytag_strslot {
    uint64_t k[3];               /* key bytes (and length in byte 23) */
    uint32_t tag;                /* upper half of the hash */
    int32_t id;                  /* -1: empty */
};

struct spytag_strtab {
    struct spytag_strslot *slots;
    size_t mask;                 /* slots - 1, a power of two minus one */
    size_t n;
    uint64_t *off;               /* start of each string in arena */
    uint32_t *len;
    size_t cap;                  /* of off and len */
    char *arena;
    size_t arena_len, arena_cap;
};

/* A pair slot is 16 bytes: the pair (a << 32 | b) and its id. */
struct spytag_pairslot {
    uint64_t key;
    int32_t id;                  /* -1: empty */
    uint32_t unused;
};

struct spytag_pairtab {
    struct spytag_pairslot *slots;
    size_t mask;
    uint64_t *keys;              /* by id */
    size_t n, cap;
    /* After spytag_pairtab_seal: a Bloom filter of the pairs (two bits
     * in one word per pair, 16 bits per pair), so that the pairs of a
     * text that are not features, most of them, cost no cache miss in
     * the slots. */
    uint64_t *bloom;
    size_t bloom_mask;           /* words - 1 */
};

/* Builds t's Bloom filter (intern keeps it up to date afterwards); left
 * without one when memory is short, which only costs speed.  A second
 * call keeps the filter, which is complete, unless the table has grown
 * into a larger filter size since. */
void spytag_pairtab_seal(spytag_pairtab *t);

/* The hash of a short key from its three slot words. */
static inline uint64_t spytag_strtab_hash3(const uint64_t k[3])
{
    uint64_t h = k[0] * 0x9e3779b97f4a7c15ULL;
    h ^= (k[1] + (h >> 29)) * 0xbf58476d1ce4e5b9ULL;
    h ^= (k[2] + (h >> 31)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 32);
}

static inline uint64_t spytag_strtab_key(const char *s, size_t len,
                                         uint64_t k[3])
{
    memcpy(k, s, 24);
    k[2] |= (uint64_t)len << 56;
    return spytag_strtab_hash3(k);
}

static inline void spytag_strtab_prefetch(const spytag_strtab *t, uint64_t h)
{
    SPYTAG_PREFETCH(&t->slots[(size_t)h & t->mask]);
}

static inline int32_t spytag_strtab_find_key(const spytag_strtab *t,
                                             const uint64_t k[3], uint64_t h)
{
    uint32_t tag = (uint32_t)(h >> 32);
    size_t i = (size_t)h & t->mask;
    for (;;) {
        const struct spytag_strslot *sl = &t->slots[i];
        if (sl->id < 0 || (sl->tag == tag && sl->k[0] == k[0] &&
                           sl->k[1] == k[1] && sl->k[2] == k[2]))
            return sl->id;
        i = (i + 1) & t->mask;
    }
}

/* The same lookup, for the classification path: the home slot is
 * decided without branches (a hit, an empty slot, or neither), so that
 * only a collision, the rare case at this load, costs a branch. */
static inline int32_t spytag_strtab_find_key_fast(const spytag_strtab *t,
                                                  const uint64_t k[3],
                                                  uint64_t h)
{
    const struct spytag_strslot *sl = &t->slots[(size_t)h & t->mask];
    uint64_t diff = (sl->k[0] ^ k[0]) | (sl->k[1] ^ k[1]) | (sl->k[2] ^ k[2]);
    int32_t id = sl->id;
    if ((diff == 0) | (id < 0))  /* a hit, or an empty slot (id -1) */
        return id;
    return spytag_strtab_find_key(t, k, h);
}

static inline uint64_t spytag_pairtab_hash(uint64_t k)
{
    /* the 64-bit finaliser of MurmurHash3 */
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/* 0 when the pair of hash h is certainly not in t, else 1. */
static inline int spytag_pairtab_maybe(const spytag_pairtab *t, uint64_t h)
{
    uint64_t w, g;
    if (!t->bloom)
        return 1;
    w = t->bloom[(h >> 32) & t->bloom_mask];
    g = h * 0x9e3779b97f4a7c15ULL;
    return (int)((w >> (g >> 58)) & (w >> ((g >> 52) & 63)) & 1);
}

static inline void spytag_pairtab_bloom_prefetch(const spytag_pairtab *t,
                                                 uint64_t h)
{
    if (t->bloom)
        SPYTAG_PREFETCH(&t->bloom[(h >> 32) & t->bloom_mask]);
}

static inline uint64_t spytag_pairtab_bloom_bits(uint64_t h)
{
    uint64_t g = h * 0x9e3779b97f4a7c15ULL;
    return 1ULL << (g >> 58) | 1ULL << ((g >> 52) & 63);
}

static inline void spytag_pairtab_prefetch(const spytag_pairtab *t,
                                           uint64_t h)
{
    SPYTAG_PREFETCH(&t->slots[(size_t)h & t->mask]);
}

/* The slot where key (of hash h) is, or the empty one where it would go
 * (vocab.c inserts there). */
static inline struct spytag_pairslot *
spytag_pairtab_slot(const spytag_pairtab *t, uint64_t key, uint64_t h)
{
    size_t i = (size_t)h & t->mask;
    for (;;) {
        struct spytag_pairslot *sl = &t->slots[i];
        if (sl->id < 0 || sl->key == key)
            return sl;
        i = (i + 1) & t->mask;
    }
}

static inline int32_t spytag_pairtab_find_hashed(const spytag_pairtab *t,
                                                 uint64_t key, uint64_t h)
{
    return spytag_pairtab_slot(t, key, h)->id;
}

static inline int32_t spytag_pairtab_find_fast(const spytag_pairtab *t,
                                               uint64_t key, uint64_t h)
{
    const struct spytag_pairslot *sl = &t->slots[(size_t)h & t->mask];
    int32_t id = sl->id;
    if ((sl->key == key) | (id < 0))  /* a hit, or an empty slot (id -1) */
        return id;
    return spytag_pairtab_find_hashed(t, key, h);
}

#endif
