# bash completion for gotrace(1)
_gotrace()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	local commands="view info dump goroutines gaps leaks mmu export bench help"
	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$commands --help" -- "$cur"))
		return
	fi
	local cmd=${words[1]} opts=""
	case $cmd in
	view) opts="--size --from --to --select-gap --threshold --screenshot --window --bench" ;;
	goroutines) opts="--format --group -o" ;;
	gaps) opts="--min --from --to --goroutine --top --format -o" ;;
	leaks) opts="--format -o" ;;
	mmu) opts="--include --exclude --per-proc --format" ;;
	export) opts="--format --profile --min --from --to -o" ;;
	bench) opts="--repeat --go-reader" ;;
	esac
	case $prev in
	--format)
		case $cmd in
		goroutines) COMPREPLY=($(compgen -W "text csv json jsonl" -- "$cur")) ;;
		gaps) COMPREPLY=($(compgen -W "text csv json jsonl md html" -- "$cur")) ;;
		leaks) COMPREPLY=($(compgen -W "text json jsonl" -- "$cur")) ;;
		mmu) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
		export) COMPREPLY=($(compgen -W "pprof chrome" -- "$cur")) ;;
		esac
		return ;;
	--profile)
		COMPREPLY=($(compgen -W "sched sync net syscall gaps" -- "$cur"))
		return ;;
	--include | --exclude)
		COMPREPLY=($(compgen -W "stw background assist sweep" -- "$cur"))
		return ;;
	--min | --from | --to | --threshold | --top | --select-gap | --size | --goroutine)
		return ;;
	-o | --screenshot | --go-reader)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
		return
	fi
	# Traces: *.trace, trace.out and the like, and directories to reach them.
	COMPREPLY=($(compgen -f -X '!*@(.trace|.out|.trace.gz)' -- "$cur") $(compgen -d -- "$cur"))
}
complete -o filenames -F _gotrace gotrace
