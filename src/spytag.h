/*
 * spytag.h - the public interface of libspytag, a multi-label topic tagger.
 *
 * The pipeline, one source file per stage:
 *
 *   tokenize.c   UTF-8 text -> normalised tokens (utf8proc: NFKC, case fold)
 *   vocab.c      token strings and token pairs -> feature ids (xxhash tables)
 *   tfidf.c      tokens -> sublinear TF-IDF, L2-normalised sparse vectors
 *   corpus.c     a labelled corpus: labels.tsv folder, topic folders, .jsonl
 *   jsonl.c      one JSON Lines record -> id, text, labels (jansson)
 *   train.c      one-vs-rest linear SVMs (LIBLINEAR or libsvm), thresholds
 *   model.c      the model file: save (atomic) and load (checksummed)
 *   classify.c   a document -> per-topic scores and tags
 *   evaluate.c   precision, recall, F1; k-fold cross-validation
 *
 * Conventions, as in the rest of the library:
 * - Every exported name starts with spytag_ or SPYTAG_.
 * - Functions that can fail return an int status: SPYTAG_OK (0) or one of the
 *   negative SPYTAG_E* codes below; spytag_strerror() names it.  Where a
 *   function takes a spytag_error *, it may be NULL; when it is not, a failure
 *   fills it with the file, line and a human-readable reason.
 * - Handles are opaque.  Every *_free() accepts NULL.  Whoever gets a handle
 *   from a *_new() or *_load() function owns it and frees it.
 * - The library never prints, never exits and keeps no global state of its
 *   own.  A loaded spytag_model is immutable and may be shared by any number
 *   of threads; every other handle belongs to one thread at a time (give each
 *   thread its own spytag_classifier).  One exception: training with the
 *   liblinear or libsvm solver calls those libraries, which draw from the C
 *   library's rand() and print through a function of their own;
 *   spytag_train() reseeds rand() with options->seed so that training is
 *   reproducible, and sets their print function to one that prints
 *   nothing.  Both are process-wide, so such training must not run
 *   concurrently with other users of rand() or of those libraries.  (The
 *   default dcd solver uses neither.)
 */
#ifndef SPYTAG_H
#define SPYTAG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status codes (append only; never renumber) ---------------------- */
enum {
    SPYTAG_OK = 0,
    SPYTAG_ENOMEM = -1,      /* out of memory */
    SPYTAG_EIO = -2,         /* a file cannot be opened, read or written,
                                or is not a regular file; the error's
                                message says why */
    SPYTAG_EINVAL = -3,      /* an argument is out of range */
    SPYTAG_EFORMAT = -4,     /* malformed input: corpus, JSON line, model */
    SPYTAG_ECHECKSUM = -5,   /* model file checksum mismatch (corrupt) */
    SPYTAG_EVERSION = -6,    /* model file from an unknown format version */
    SPYTAG_ELIMIT = -7,      /* a documented size limit was hit */
    SPYTAG_EEMPTY = -8,      /* nothing to learn from (no documents, topic
                                without a positive document) */
    SPYTAG_ETRAIN = -9,      /* the SVM solver refused the problem */
    SPYTAG_ENOTFOUND = -10   /* reserved; not returned by this version (a
                                missing file is SPYTAG_EIO) */
};

/* Returns a static, lowercase description of a status code. */
const char *spytag_strerror(int status);

/* Returns the library version, e.g. "0.1.0". */
const char *spytag_version(void);

/* Details of a failure.  Functions fill it only when they fail. */
typedef struct spytag_error {
    int status;          /* the SPYTAG_E* code returned */
    long line;           /* 1-based line in `file`, 0 when not applicable */
    char file[512];      /* the file concerned, "" when none */
    char message[512];   /* what was wrong, lowercase, no full stop */
} spytag_error;

/* ---- Limits that protect memory (documented, reported when hit) ------ */
#define SPYTAG_MAX_TOKEN_BYTES   64         /* longer tokens are dropped */
#define SPYTAG_MAX_LINE_BYTES    (256u << 20) /* one JSON Lines record */
#define SPYTAG_MAX_DOC_BYTES     (256u << 20) /* one document file */
#define SPYTAG_MAX_VOCAB         (1u << 24)   /* features in one model */
#define SPYTAG_MAX_TOPICS        4096

/* ---- Settings ------------------------------------------------------- */
/* dcd: spytag's own dual coordinate descent (LIBLINEAR's -s 1 algorithm,
 * reproducible on many threads); liblinear and libsvm: the libraries. */
enum { SPYTAG_SOLVER_LIBLINEAR = 0, SPYTAG_SOLVER_LIBSVM = 1,
       SPYTAG_SOLVER_DCD = 2 };
enum { SPYTAG_AUTO = -1 };
enum { SPYTAG_TUNE_FOLDS = 0, SPYTAG_TUNE_LOO = 1 };
#define SPYTAG_LOO_MIN_DOCS 1000

typedef void (*spytag_progress_fn)(void *user, const char *stage,
                                   size_t done, size_t total);

typedef struct spytag_options {
    /* tokenizer */
    int stopwords;        /* 1: drop English stop words (0 or 1) */
    int stem;             /* 1: Snowball English stemming (libstemmer) */
    /* TF-IDF */
    int ngram_max;        /* 1: words; 2: words and adjacent word pairs */
    int min_df;           /* keep terms found in at least this many docs */
    double max_df;        /* drop terms found in more than this fraction */
    /* training */
    int solver;           /* SPYTAG_SOLVER_DCD, _LIBLINEAR or _LIBSVM */
    double C;             /* SVM cost, > 0 (default 1) */
    int balanced;         /* 1: weight positives by n_neg / n_pos (capped);
                             these flags are 0 or 1, else EINVAL */
    int nb;               /* 1: each topic's SVM sees every feature scaled
                             by its damped naive Bayes log-count ratio for
                             that topic (NBSVM); the stored weights include
                             the scaling, so classifying costs the same.
                             The dcd solver only; ignored by the others */
    int tune_folds;       /* thresholds and calibration from out-of-fold
                             decision values (k >= 2) or not at all (0:
                             threshold 0 and an identity-like score) */
    int tune_method;      /* where those values come from:
                             SPYTAG_TUNE_FOLDS: k fold models per topic;
                             SPYTAG_TUNE_LOO: the leave-one-out estimate
                             of the full model (dcd solver only; no extra
                             training); SPYTAG_AUTO: LOO from
                             SPYTAG_LOO_MIN_DOCS documents on (dcd), folds
                             below */
    int multiclass;       /* 1: exactly one topic per doc (the best);
                             0: any number; SPYTAG_AUTO: 1 when every
                             training document has exactly one label */
    unsigned long seed;   /* fixes fold assignment and solver shuffles */
    int threads;          /* topics trained in parallel (1 = serial); the
                             model does not depend on it.  LIBLINEAR and
                             libsvm always train serially. */
    spytag_progress_fn progress;   /* optional, may be NULL; with
                                      threads > 1 it is called from the
                                      training threads, one call at a
                                      time */
    void *progress_user;
} spytag_options;

/* Fills *o with the defaults (the settings cross-validation favoured). */
void spytag_options_init(spytag_options *o);

/* ---- Tokenizer -------------------------------------------------------- */
typedef struct spytag_tokenizer spytag_tokenizer;

/* Called once per token; `tok` is NUL-terminated and valid only during the
 * call.  Return 0 to go on, non-zero to stop (spytag_tokenize returns it). */
typedef int (*spytag_token_fn)(const char *tok, size_t len, void *user);

/* Creates a tokenizer with the tokenizer settings of *o (stopwords, stem).
 * Returns NULL when out of memory. */
spytag_tokenizer *spytag_tokenizer_new(const spytag_options *o);
void spytag_tokenizer_free(spytag_tokenizer *tk);

/* Splits `len` bytes of UTF-8 text into tokens and calls fn for each.
 * Invalid UTF-8 never fails: bad bytes act as separators.  Returns
 * SPYTAG_OK, or the non-zero value returned by fn. */
int spytag_tokenize(spytag_tokenizer *tk, const char *text, size_t len,
                    spytag_token_fn fn, void *user);

/* ---- Corpus ------------------------------------------------------------- */
typedef struct spytag_corpus spytag_corpus;

spytag_corpus *spytag_corpus_new(void);
void spytag_corpus_free(spytag_corpus *c);

/* Adds a copy of a document.  labels may be NULL when nlabels is 0.  Topics
 * are registered in order of first appearance.  Returns SPYTAG_OK,
 * SPYTAG_ENOMEM, SPYTAG_EINVAL (empty or malformed topic name) or
 * SPYTAG_ELIMIT (too many topics). */
int spytag_corpus_add(spytag_corpus *c, const char *id, const char *text,
                      size_t len, const char *const *labels, size_t nlabels);

/* Registers a topic that may have no document (from a topic list). */
int spytag_corpus_add_topic(spytag_corpus *c, const char *topic);

/* Loads a corpus from `path`: a folder with labels.tsv, a folder with one
 * sub-folder per topic, or a .jsonl file.  On success *out is a new corpus
 * that the caller frees.  On failure *out is NULL and err says where. */
int spytag_corpus_load(const char *path, spytag_corpus **out,
                       spytag_error *err);

size_t spytag_corpus_size(const spytag_corpus *c);
size_t spytag_corpus_ntopics(const spytag_corpus *c);
const char *spytag_corpus_topic(const spytag_corpus *c, size_t t);
const char *spytag_corpus_id(const spytag_corpus *c, size_t doc);
const char *spytag_corpus_text(const spytag_corpus *c, size_t doc,
                               size_t *len);
/* Sets has[t] to 1 when document `doc` carries topic t, else 0.  `has`
 * holds spytag_corpus_ntopics() entries. */
void spytag_corpus_labels(const spytag_corpus *c, size_t doc,
                          unsigned char *has);
/* Where the corpus came from (the path given to load), "" if built. */
const char *spytag_corpus_source(const spytag_corpus *c);
int spytag_corpus_set_source(spytag_corpus *c, const char *source);

/* ---- Model ------------------------------------------------------------- */
typedef struct spytag_model spytag_model;

/* Trains a model on every document of c.  On success *out is a new model.
 * Fails with SPYTAG_EEMPTY when c has no document or a topic has no
 * positive document (err names the topic). */
int spytag_train(const spytag_corpus *c, const spytag_options *o,
                 spytag_model **out, spytag_error *err);

/* Trains on the documents whose index has use[i] != 0 (NULL: all). */
int spytag_train_subset(const spytag_corpus *c, const unsigned char *use,
                        const spytag_options *o, spytag_model **out,
                        spytag_error *err);

/* Writes the model to `path` atomically: a temporary file in the same
 * folder, fsync, rename.  An existing file at `path` is replaced only once
 * the new one is complete. */
int spytag_model_save(const spytag_model *m, const char *path,
                      spytag_error *err);

/* Serialises the model into a new buffer (*buf, *len; the caller frees
 * *buf with free()).  The bytes are exactly those spytag_model_save
 * writes. */
int spytag_model_serialize(const spytag_model *m, unsigned char **buf,
                           size_t *len);

/* Loads a model file, verifying its magic, version and checksum. */
int spytag_model_load(const char *path, spytag_model **out,
                      spytag_error *err);
/* The same from memory; `name` is used in error messages. */
int spytag_model_load_buffer(const unsigned char *buf, size_t len,
                             const char *name, spytag_model **out,
                             spytag_error *err);

void spytag_model_free(spytag_model *m);

size_t spytag_model_ntopics(const spytag_model *m);
const char *spytag_model_topic(const spytag_model *m, size_t t);
size_t spytag_model_vocab_size(const spytag_model *m);
int spytag_model_multiclass(const spytag_model *m);
/* The settings the model was trained with (progress fields are NULL). */
void spytag_model_options(const spytag_model *m, spytag_options *o);
const char *spytag_model_corpus(const spytag_model *m);
size_t spytag_model_ndocs(const spytag_model *m);
/* Per-topic threshold on the margin (the decision value; a multi-label
 * model assigns topic t from it on, a multi-class one ignores it), and
 * positives seen in training. */
double spytag_model_threshold(const spytag_model *m, size_t t);
size_t spytag_model_positives(const spytag_model *m, size_t t);
/* The calibrated score in [0, 1] (as spytag_classify's scores) of
 * decision value `margin` for topic t. */
double spytag_model_score(const spytag_model *m, size_t t, double margin);

/* The k heaviest (most positive) features of topic t, heaviest first.
 * Fills up to k entries of features and weights; returns how many. */
size_t spytag_model_top_terms(const spytag_model *m, size_t t, size_t k,
                              uint32_t *features, double *weights);

/* The text of a feature ("word" or "word word"), written into buf (cap
 * bytes, 2 * SPYTAG_MAX_TOKEN_BYTES + 2 is always enough); returns buf or
 * a pointer into the model. */
const char *spytag_model_term(const spytag_model *m, uint32_t feature,
                              char *buf, size_t cap);

/* ---- Classification ----------------------------------------------------- */
typedef struct spytag_classifier spytag_classifier;

/* Per-thread scratch space for classifying with model m, which must outlive
 * it.  Returns NULL when out of memory. */
spytag_classifier *spytag_classifier_new(const spytag_model *m);
void spytag_classifier_free(spytag_classifier *cl);

/* Classifies `len` bytes of UTF-8 text.  Each array holds
 * spytag_model_ntopics() entries and may be NULL:
 *   scores[t]  calibrated probability-like score in [0, 1];
 *   margins[t] the raw SVM decision value w.x + b;
 *   tags[t]    1 when the topic is assigned, else 0.
 * Never fails on the text itself (invalid UTF-8 included). */
int spytag_classify(spytag_classifier *cl, const char *text, size_t len,
                    double *scores, double *margins, unsigned char *tags);

/* After spytag_classify: the k features of the last document that pushed
 * topic t up the most, with their contributions (weight x tf-idf value),
 * largest first.  Returns how many were filled (only positive ones). */
size_t spytag_explain(spytag_classifier *cl, size_t t, size_t k,
                      uint32_t *features, double *contrib);

/* ---- Evaluation --------------------------------------------------------- */
typedef struct spytag_eval spytag_eval;

/* An empty tally over `ntopics` topic names (copied). */
spytag_eval *spytag_eval_new(const char *const *topics, size_t ntopics);
void spytag_eval_free(spytag_eval *ev);
/* Counts one document: gold[t] and pred[t] are 0 or 1. */
void spytag_eval_add(spytag_eval *ev, const unsigned char *gold,
                     const unsigned char *pred);
size_t spytag_eval_ntopics(const spytag_eval *ev);
const char *spytag_eval_topic(const spytag_eval *ev, size_t t);
size_t spytag_eval_docs(const spytag_eval *ev);
void spytag_eval_counts(const spytag_eval *ev, size_t t, size_t *tp,
                        size_t *fp, size_t *fn);
/* Per-topic precision, recall and F1 (0 where undefined). */
void spytag_eval_topic_scores(const spytag_eval *ev, size_t t, double *p,
                              double *r, double *f1);
double spytag_eval_micro_f1(const spytag_eval *ev);
double spytag_eval_macro_f1(const spytag_eval *ev);

/* Stratified k-fold cross-validation of options o on corpus c with the
 * fold assignment fixed by o->seed: copies of a text (the same bytes)
 * share a fold, the folds are stratified by each document's rarest topic,
 * and with o->multiclass SPYTAG_AUTO every fold trains the kind of model
 * that training on all of c would.  On success *out is a new tally over
 * the corpus topics.  SPYTAG_EEMPTY when c has fewer than k different
 * texts, or a fold's training fails that way (err says which fold). */
int spytag_cross_validate(const spytag_corpus *c, const spytag_options *o,
                          int k, spytag_eval **out, spytag_error *err);

#ifdef __cplusplus
}
#endif
#endif /* SPYTAG_H */
