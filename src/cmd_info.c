/*
 * cmd_info.c - spytag info: what a model knows.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: spytag info [OPTIONS] [MODEL]\n"
    "Show a model's topics, vocabulary size, settings, the corpus it was\n"
    "trained on, and the heaviest terms of each topic.  Without MODEL, the\n"
    "model classify would use ($SPYTAG_MODEL or the shipped one).\n\n"
    "  -n, --terms N   terms per topic (default 20)\n"
    "  -h, --help      show this help\n\n" EXIT_CODES_HELP;

static const struct option longopts[] = {
    { "terms", required_argument, NULL, 'n' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

/* x in the fewest significant digits that read back as x (C=0.123456789
 * is shown so, not as %g's 0.123457). */
static void fmt_exact(char *buf, size_t cap, double x)
{
    int p;
    for (p = 6; p < 17; p++) {
        snprintf(buf, cap, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            return;
    }
    snprintf(buf, cap, "%.17g", x);
}

int cmd_info(int argc, char **argv)
{
    char cbuf[32], dfbuf[32];
    long nterms = 20;
    const char *path;
    spytag_model *m = NULL;
    spytag_options o;
    spytag_error err;
    uint32_t *feat = NULL;
    double *wt = NULL;
    size_t t, i, k;
    int before;
    int ch, rc;

    optind = 1;
    while ((before = optind,
            ch = getopt_long(argc, argv, ":n:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'n':
            if (cli_parse_long(optarg, 1, 100000, &nterms))
                return cli_usage_error("info", "invalid --terms '%s'",
                                       optarg);
            break;
        case 'h':
            fputs(usage_text, stdout);
            return cli_finish_stdout(EXIT_OK);
        case ':':
        case '?':
            return cli_bad_option("info", ch, argc, argv,
                                  longopts, before);
        default:
            return cli_usage_error("info", "unknown option");
        }
    }
    if (argc - optind > 1)
        return cli_usage_error("info", "expected at most one MODEL");
    if (argc - optind == 1 && !*argv[optind])
        return cli_usage_error("info", "empty MODEL");
    path = cli_model_path(argc - optind == 1 ? argv[optind] : NULL);
    memset(&err, 0, sizeof err);
    rc = spytag_model_load(path, &m, &err);
    if (rc != SPYTAG_OK) {
        cli_liberror(&err, rc);
        return EXIT_FATAL;
    }
    spytag_model_options(m, &o);
    fmt_exact(cbuf, sizeof cbuf, o.C);
    fmt_exact(dfbuf, sizeof dfbuf, o.max_df);
    printf("model:       %s\n", path);
    printf("corpus:      %s (%zu documents)\n", spytag_model_corpus(m),
           spytag_model_ndocs(m));
    printf("kind:        %s\n", spytag_model_multiclass(m)
                                    ? "multi-class (one topic per document)"
                                    : "multi-label (any number of topics)");
    printf("vocabulary:  %zu terms\n", spytag_model_vocab_size(m));
    printf("settings:    ngram=%d min-df=%d max-df=%s stem=%s stopwords=%s\n"
           "             solver=%s C=%s balanced=%s nb=%s tune-folds=%d "
           "tune-method=%s seed=%lu\n",
           o.ngram_max, o.min_df, dfbuf, o.stem ? "yes" : "no",
           o.stopwords ? "yes" : "no",
           o.solver == SPYTAG_SOLVER_LIBSVM      ? "libsvm"
           : o.solver == SPYTAG_SOLVER_LIBLINEAR ? "liblinear"
                                                 : "dcd", cbuf,
           o.balanced ? "yes" : "no", o.nb ? "yes" : "no", o.tune_folds,
           o.tune_folds < 2                  ? "none"
           : o.tune_method == SPYTAG_TUNE_LOO ? "loo"
                                              : "folds", o.seed);
    printf("topics:      %zu\n", spytag_model_ntopics(m));
    feat = malloc((size_t)nterms * sizeof *feat);
    wt = malloc((size_t)nterms * sizeof *wt);
    if (!feat || !wt) {
        cli_error("out of memory");
        free(feat);
        free(wt);
        spytag_model_free(m);
        return EXIT_FATAL;
    }
    for (t = 0; t < spytag_model_ntopics(m); t++) {
        double th = spytag_model_threshold(m, t);
        size_t np = spytag_model_positives(m, t);
        printf("\n%s (%zu training document%s", spytag_model_topic(m, t), np,
               np == 1 ? "" : "s");
        /* a multi-class model assigns its best topic: no threshold */
        if (spytag_model_multiclass(m))
            printf(")\n");
        else
            printf(", threshold %.3f on the decision value, score %.4f)\n",
                   th, spytag_model_score(m, t, th));
        k = spytag_model_top_terms(m, t, (size_t)nterms, feat, wt);
        for (i = 0; i < k; i++) {
            char buf[2 * SPYTAG_MAX_TOKEN_BYTES + 2];
            printf("  %8.4f  %s\n", wt[i],
                   spytag_model_term(m, feat[i], buf, sizeof buf));
        }
    }
    free(feat);
    free(wt);
    spytag_model_free(m);
    return cli_finish_stdout(EXIT_OK);
}
