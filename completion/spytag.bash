# bash completion for spytag                                 -*- shell-script -*-
# Installed as $(datadir)/bash-completion/completions/spytag, where
# bash-completion loads it on first use; or source it from ~/.bashrc.
# Works with or without the bash-completion package's helpers.
# COMPREPLY=($(compgen ...)) splits on IFS, set to a newline or to blanks
# on purpose below:
# shellcheck disable=SC2207

# _spytag_files [GLOB...]: file names (all, or those matching one of the
# globs) and folder names, completed as paths.
_spytag_files()
{
    local cur=$1 g
    shift
    compopt -o filenames 2>/dev/null
    if [ $# -eq 0 ]; then
        COMPREPLY+=($(compgen -f -- "$cur"))
        return
    fi
    COMPREPLY+=($(compgen -d -- "$cur"))
    for g in "$@"; do
        COMPREPLY+=($(compgen -f -X "!$g" -- "$cur"))
    done
}

_spytag()
{
    local cur prev cmd opts
    local IFS=$'\n'
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    # --opt=value: bash splits at '=' (COMP_WORDBREAKS), giving the words
    # "--opt" "=" "value"; complete the value as if it followed "--opt".
    local eq=
    if [ "$cur" = "=" ]; then
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        cur=
        eq=1
    elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 2 ]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
        eq=1
    fi

    local train_settings="--ngram --min-df --max-df --stem --no-stem
        --stopwords --no-stopwords --solver -C --cost --balanced --nb --no-nb
        --tune-folds --tune-method
        --multi-label --multi-class --seed -j --jobs"

    # The subcommand is the first word after "spytag".
    cmd=
    if [ "$COMP_CWORD" -ge 2 ]; then
        cmd=${COMP_WORDS[1]}
    fi
    if [ -z "$cmd" ]; then
        IFS=$' \t\n'
        COMPREPLY=($(compgen -W "train classify eval info -h --help
            -V --version" -- "$cur"))
        return
    fi

    # Values of options that take one.
    case $prev in
    -m | --model)
        _spytag_files "$cur" '*.model'
        return ;;
    -o | --output)
        _spytag_files "$cur"
        return ;;
    --plot)
        _spytag_files "$cur" '*.svg' '*.png'
        return ;;
    -f | --format)
        IFS=$' \t\n'
        case $cmd in
        classify) COMPREPLY=($(compgen -W "tsv json" -- "$cur")) ;;
        eval) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
        esac
        return ;;
    --solver)
        IFS=$' \t\n'
        COMPREPLY=($(compgen -W "dcd liblinear libsvm" -- "$cur"))
        return ;;
    --tune-method)
        IFS=$' \t\n'
        COMPREPLY=($(compgen -W "auto folds loo" -- "$cur"))
        return ;;
    --ngram)
        IFS=$' \t\n'
        COMPREPLY=($(compgen -W "1 2" -- "$cur"))
        return ;;
    -k | --folds | -j | --jobs | -C | --cost | --min-df | --max-df | \
    --tune-folds | --seed | --min-score | --top | -n | --terms)
        return ;;                       # a number: nothing to offer
    --explain)
        # its value only comes as --explain=N (a number); after
        # "--explain " come the inputs, completed below
        [ -n "$eq" ] && return ;;
    esac

    case $cmd in
    train)
        opts="-o --output -q --quiet --progress -h --help $train_settings" ;;
    classify)
        opts="-m --model -f --format --jsonl -j --jobs --min-score --top
            --no-scores --explain --explain= -q --quiet --progress -h --help" ;;
    eval)
        opts="-k --folds -m --model -f --format --plot -q --quiet --progress
            -h --help $train_settings" ;;
    info)
        opts="-n --terms -h --help" ;;
    *)
        return ;;
    esac

    if [[ $cur == -* ]]; then
        IFS=$' \t\n'
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        [[ ${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi

    # Arguments.
    case $cmd in
    classify)
        _spytag_files "$cur" ;;              # files, folders, .jsonl, -
    train | eval)
        _spytag_files "$cur" '*.jsonl' ;;    # a corpus folder or .jsonl
    info)
        _spytag_files "$cur" '*.model' ;;
    esac
}

complete -F _spytag spytag
