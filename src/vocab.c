/*
 * vocab.c - hash tables that give dense ids to token strings and to pairs
 * of token ids.
 *
 * Both are open-addressing tables with linear probing, kept at most half
 * full.  A slot holds an id (-1 when empty) and the key: for strings, the
 * 32 upper bits of the hash and the key's bytes when it is short (nearly
 * every word); for pairs, the 64-bit pair.  So a lookup usually reads one
 * cache line, and classification can prefetch the slots of a batch of
 * tokens before it looks them up (spytag_strtab_prefetch).
 * Strings live one after another in an arena, NUL-terminated; an id indexes
 * an offset array.  Nothing is ever removed.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL      /* hashing is on the per-token path */
#include <xxhash.h>

#define INLINE_MAX SPYTAG_STRTAB_INLINE
#define LONG_KEY 0xff

static size_t pow2_at_least(size_t n)
{
    size_t p = 16;
    while (p < n)
        p <<= 1;
    return p;
}

/* n empty slots, written in one pass (a model's table is 8 MB) */
static struct spytag_strslot *new_slots(size_t n)
{
    struct spytag_strslot *s = spytag_big_alloc(n * sizeof *s, 0);
    size_t i;
    if (!s)
        return NULL;
    for (i = 0; i < n; i++) {
        s[i].k[0] = s[i].k[1] = s[i].k[2] = 0;
        s[i].tag = 0;
        s[i].id = -1;
    }
    return s;
}

/* The slot form of a key: inline bytes or the long-key marker. */
static void make_key(const char *s, size_t len, uint64_t k[3])
{
    unsigned char b[24];
    memset(b, 0, sizeof b);
    if (len <= INLINE_MAX) {
        memcpy(b, s, len);
        b[23] = (unsigned char)len;
    } else {
        b[23] = LONG_KEY;
    }
    memcpy(k, b, sizeof b);
}

/* The hash of a key: short keys mix their three slot words (cheap, and
 * the words are needed anyway), long ones go through XXH3. */
static uint64_t key_hash(const char *s, size_t len, const uint64_t k[3])
{
    if (len > INLINE_MAX)
        return XXH3_64bits(s, len);
    return spytag_strtab_hash3(k);
}

spytag_strtab *spytag_strtab_new(size_t expected)
{
    spytag_strtab *t = calloc(1, sizeof *t);
    size_t nslots = pow2_at_least(expected * 2 + 1);
    if (!t)
        return NULL;
    t->slots = new_slots(nslots);
    t->mask = nslots - 1;
    if (!t->slots) {
        free(t);
        return NULL;
    }
    return t;
}

void spytag_strtab_free(spytag_strtab *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t->off);
    free(t->len);
    free(t->arena);
    free(t);
}

size_t spytag_strtab_size(const spytag_strtab *t)
{
    return t->n;
}

const char *spytag_strtab_str(const spytag_strtab *t, int32_t id, size_t *len)
{
    if (len)
        *len = t->len[id];
    return t->arena + t->off[id];
}

/* Returns the slot where s is, or the empty slot where it would go. */
static struct spytag_strslot *probe(const spytag_strtab *t, const char *s,
                                     size_t len, const uint64_t k[3],
                                     uint64_t h)
{
    uint32_t tag = (uint32_t)(h >> 32);
    size_t i = (size_t)h & t->mask;
    for (;;) {
        struct spytag_strslot *sl = &t->slots[i];
        if (sl->id < 0)
            return sl;
        if (sl->tag == tag && sl->k[0] == k[0] && sl->k[1] == k[1] &&
            sl->k[2] == k[2] &&
            (len <= INLINE_MAX ||
             (t->len[sl->id] == len &&
              memcmp(t->arena + t->off[sl->id], s, len) == 0)))
            return sl;
        i = (i + 1) & t->mask;
    }
}

int32_t spytag_strtab_find(const spytag_strtab *t, const char *s, size_t len)
{
    uint64_t k[3];
    make_key(s, len, k);
    return probe(t, s, len, k, key_hash(s, len, k))->id;
}

static int grow_slots(spytag_strtab *t)
{
    size_t nslots = (t->mask + 1) * 2, i;
    struct spytag_strslot *s = new_slots(nslots), *old = t->slots;
    size_t oldn = t->mask + 1;
    if (!s)
        return -1;
    t->slots = s;
    t->mask = nslots - 1;
    for (i = 0; i < oldn; i++) {
        if (old[i].id >= 0) {
            int32_t id = old[i].id;
            uint64_t h = key_hash(t->arena + t->off[id], t->len[id], old[i].k);
            size_t j = (size_t)h & t->mask;
            while (s[j].id >= 0)
                j = (j + 1) & t->mask;
            s[j] = old[i];
        }
    }
    free(old);
    return 0;
}

uint64_t spytag_strtab_hash(const char *s, size_t len)
{
    uint64_t k[3];
    make_key(s, len, k);
    return key_hash(s, len, k);
}

/* The id arrays (off, len) resized to cap ids, or the arena to cap
 * bytes; 0, or -1 when out of memory (the table still whole). */
static int set_id_cap(spytag_strtab *t, size_t cap)
{
    uint64_t *off = t->off ? realloc(t->off, cap * sizeof *off)
                           : spytag_big_alloc(cap * sizeof *off, 0);
    uint32_t *ln;
    if (!off)
        return -1;
    t->off = off;
    ln = t->len ? realloc(t->len, cap * sizeof *ln)
                : spytag_big_alloc(cap * sizeof *ln, 0);
    if (!ln)
        return -1;
    t->len = ln;
    t->cap = cap;
    return 0;
}

static int set_arena_cap(spytag_strtab *t, size_t cap)
{
    char *a = t->arena ? realloc(t->arena, cap) : spytag_big_alloc(cap, 0);
    if (!a)
        return -1;
    t->arena = a;
    t->arena_cap = cap;
    return 0;
}

int spytag_strtab_reserve(spytag_strtab *t, size_t n, size_t bytes)
{
    if (n > SIZE_MAX / sizeof *t->off - t->n ||
        bytes > SIZE_MAX - t->arena_len)
        return -1;
    if (t->n + n > t->cap && set_id_cap(t, t->n + n) != 0)
        return -1;
    if (t->arena_len + bytes > t->arena_cap &&
        set_arena_cap(t, t->arena_len + bytes) != 0)
        return -1;
    return 0;
}

/* Interns s, whose slot key is k and hash h. */
static int32_t intern_key(spytag_strtab *t, const char *s, size_t len,
                          const uint64_t k[3], uint64_t h)
{
    struct spytag_strslot *sl = probe(t, s, len, k, h);
    if (sl->id >= 0)
        return sl->id;
    if (t->n >= SPYTAG_MAX_VOCAB * 4u)
        return -1;
    if ((t->n + 1) * 2 > t->mask + 1) {
        if (grow_slots(t) != 0)
            return -1;
        sl = probe(t, s, len, k, h);
    }
    if (t->n == t->cap && set_id_cap(t, t->cap ? t->cap * 2 : 64) != 0)
        return -1;
    if (t->arena_len + len + 1 > t->arena_cap) {
        size_t cap = t->arena_cap ? t->arena_cap * 2 : 1024;
        while (cap < t->arena_len + len + 1)
            cap *= 2;
        if (set_arena_cap(t, cap) != 0)
            return -1;
    }
    memcpy(t->arena + t->arena_len, s, len);
    t->arena[t->arena_len + len] = '\0';
    t->off[t->n] = t->arena_len;
    t->len[t->n] = (uint32_t)len;
    t->arena_len += len + 1;
    sl->k[0] = k[0];
    sl->k[1] = k[1];
    sl->k[2] = k[2];
    sl->id = (int32_t)t->n;
    sl->tag = (uint32_t)(h >> 32);
    t->n++;
    return (int32_t)(t->n - 1);
}

int32_t spytag_strtab_intern(spytag_strtab *t, const char *s, size_t len)
{
    uint64_t k[3];
    make_key(s, len, k);
    return intern_key(t, s, len, k, key_hash(s, len, k));
}

int32_t spytag_strtab_intern_hashed(spytag_strtab *t, const char *s,
                                    size_t len, uint64_t h)
{
    uint64_t k[3];
    make_key(s, len, k);
    return intern_key(t, s, len, k, h);
}

/* ---- pairs ----------------------------------------------------------------- */

static struct spytag_pairslot *new_pslots(size_t n)
{
    struct spytag_pairslot *s = spytag_big_alloc(n * sizeof *s, 0);
    size_t i;
    if (!s)
        return NULL;
    for (i = 0; i < n; i++) {
        s[i].key = 0;
        s[i].id = -1;
        s[i].unused = 0;
    }
    return s;
}

spytag_pairtab *spytag_pairtab_new(size_t expected)
{
    spytag_pairtab *t = calloc(1, sizeof *t);
    size_t nslots = pow2_at_least(expected * 2 + 1);
    if (!t)
        return NULL;
    t->slots = new_pslots(nslots);
    t->mask = nslots - 1;
    if (!t->slots) {
        free(t);
        return NULL;
    }
    return t;
}

void spytag_pairtab_free(spytag_pairtab *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t->keys);
    free(t->bloom);
    free(t);
}

void spytag_pairtab_seal(spytag_pairtab *t)
{
    size_t words = pow2_at_least(t->n / 4 + 1), i;
    if (t->bloom && t->bloom_mask + 1 == words)
        return;                        /* sealed already, and kept so */
    free(t->bloom);
    t->bloom = spytag_big_alloc(words * sizeof *t->bloom, 1);
    t->bloom_mask = words - 1;
    if (!t->bloom)
        return;
    for (i = 0; i < t->n; i++) {
        uint64_t h = spytag_pairtab_hash(t->keys[i]);
        t->bloom[(h >> 32) & t->bloom_mask] |= spytag_pairtab_bloom_bits(h);
    }
}

size_t spytag_pairtab_size(const spytag_pairtab *t)
{
    return t->n;
}

void spytag_pairtab_get(const spytag_pairtab *t, int32_t id, uint32_t *a,
                        uint32_t *b)
{
    *a = (uint32_t)(t->keys[id] >> 32);
    *b = (uint32_t)t->keys[id];
}

int32_t spytag_pairtab_find(const spytag_pairtab *t, uint32_t a, uint32_t b)
{
    uint64_t key = ((uint64_t)a << 32) | b;
    return spytag_pairtab_slot(t, key, spytag_pairtab_hash(key))->id;
}

long spytag_pairtab_add_all(spytag_pairtab *t, uint64_t *keys, size_t n)
{
    enum { AHEAD = 16 };
    size_t i;
    if (t->n != 0 || t->keys || (n + 1) * 2 > t->mask + 1) {
        free(keys);
        return -2;                    /* not an empty table of that size */
    }
    t->keys = keys;                   /* (its entries stay as they are) */
    t->cap = n;
    for (i = 0; i < n && i < AHEAD; i++)
        spytag_pairtab_prefetch(t, spytag_pairtab_hash(keys[i]));
    for (i = 0; i < n; i++) {
        uint64_t h = spytag_pairtab_hash(keys[i]);
        struct spytag_pairslot *sl = spytag_pairtab_slot(t, keys[i], h);
        if (i + AHEAD < n)
            spytag_pairtab_prefetch(t, spytag_pairtab_hash(keys[i + AHEAD]));
        if (sl->id >= 0)
            return (long)i;           /* repeated */
        sl->key = keys[i];
        sl->id = (int32_t)i;
        t->n = i + 1;
    }
    return -1;
}

int32_t spytag_pairtab_intern(spytag_pairtab *t, uint32_t a, uint32_t b)
{
    uint64_t key = ((uint64_t)a << 32) | b, h = spytag_pairtab_hash(key);
    struct spytag_pairslot *sl = spytag_pairtab_slot(t, key, h);
    if (sl->id >= 0)
        return sl->id;
    if (t->n >= 0x7fffffffu)
        return -1;
    if ((t->n + 1) * 2 > t->mask + 1) {
        size_t nslots = (t->mask + 1) * 2, i;
        struct spytag_pairslot *s = new_pslots(nslots);
        if (!s)
            return -1;
        free(t->slots);
        t->slots = s;
        t->mask = nslots - 1;
        for (i = 0; i < t->n; i++) {
            struct spytag_pairslot *d = spytag_pairtab_slot(
                t, t->keys[i], spytag_pairtab_hash(t->keys[i]));
            d->key = t->keys[i];
            d->id = (int32_t)i;
        }
        sl = spytag_pairtab_slot(t, key, h);
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        uint64_t *k = realloc(t->keys, cap * sizeof *k);
        if (!k)
            return -1;
        t->keys = k;
        t->cap = cap;
    }
    t->keys[t->n] = key;
    if (t->bloom)
        t->bloom[(h >> 32) & t->bloom_mask] |= spytag_pairtab_bloom_bits(h);
    sl->key = key;
    sl->id = (int32_t)t->n;
    t->n++;
    return (int32_t)(t->n - 1);
}
