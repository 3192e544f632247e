/*
 * same_model.h - the round-trip check of a model file that loaded, shared
 * by the model fuzzer (fuzz/fuzz_model.c) and the replay of what it found
 * (tests/check_regress.c).  Include after spytag.h, <stdlib.h> and
 * <string.h>.
 */
#ifndef SPYTAG_SAME_MODEL_H
#define SPYTAG_SAME_MODEL_H

/* load -> serialize gives the bytes back for a version 3 file; an older
 * one comes back as version 3 (features in their order, nb recorded),
 * which then loads and serialises to the same bytes again. */
static int same_model(const unsigned char *ser, size_t serlen,
                      const unsigned char *buf, size_t size)
{
    spytag_model *m = NULL;
    unsigned char *again = NULL;
    size_t n = 0;
    int ok;
    if (size > 8 && buf[8] >= 3)
        return serlen == size && memcmp(ser, buf, size) == 0;
    if (serlen < 9 || ser[8] != 3 ||
        spytag_model_load_buffer(ser, serlen, "again", &m, NULL) != SPYTAG_OK)
        return 0;
    ok = spytag_model_serialize(m, &again, &n) == SPYTAG_OK && n == serlen &&
         memcmp(again, ser, n) == 0;
    free(again);
    spytag_model_free(m);
    return ok;
}

#endif
