import {RULE_CATEGORIES} from '../rules/types.js'

/**
 * Bash completion of values, layered over @oclif/plugin-autocomplete's function (commands and
 * flags): profile hosts after --from/--to and for `facts`/`evacuate`/`return`/`status HOST`, the source host's guests for
 * check/plan/migrate GUEST once --from is on the line, files after the flags that take one, rule
 * categories after --category. Anything else goes to `_<bin>_autocomplete`, the plugin's. The
 * plugin (3.x) has no hook for dynamic values: only a flag's static `options`, in zsh alone, and
 * `options` would also make oclif refuse every other value.
 * `--flag=value` is not read: bash splits it at '='.
 */
export function bashCompletionScript(bin: string): string {
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}`
  return `# ${bin}: values for bash completion (after the line \`${bin} autocomplete bash\` has you add)
${fn}_complete_values() {
  local zm=\${COMP_WORDS[0]} cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd=\${COMP_WORDS[1]} from='' words='' i
  local -a profile=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      --from) from=\${COMP_WORDS[i+1]} ;;
      --profile | -p) profile=(--profile "\${COMP_WORDS[i+1]}") ;;
    esac
  done
  case $prev in
    --from | --to) words=$("$zm" complete hosts "\${profile[@]}" 2>/dev/null) ;;
    --category) words=$'${RULE_CATEGORIES.join('\\n')}' ;;
    --profile | -p | --plan | --resume | --evacuation | --domain-xml | --output | -o)
      local IFS=$'\\n'
      COMPREPLY=($(compgen -f -- "$cur"))
      return ;;
    --site | --host) return ;;
    *)
      if [[ $COMP_CWORD -ge 2 && $cur != -* ]]; then
        case $cmd in
          facts | evacuate | return | status) words=$("$zm" complete hosts "\${profile[@]}" 2>/dev/null) ;;
          check | plan | migrate) [[ -n $from ]] && words=$("$zm" complete guests --from "$from" "\${profile[@]}" 2>/dev/null) ;;
        esac
      fi ;;
  esac
  if [[ -n $words ]]; then
    # not compgen -W: it expands each word, and a guest's name is the host's to choose
    COMPREPLY=()
    local w
    while IFS= read -r w; do
      [[ -n $w && $w == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$w")")
    done <<<"$words"
    return
  fi
  if declare -F ${fn}_autocomplete >/dev/null; then ${fn}_autocomplete; fi
}
complete -F ${fn}_complete_values ${bin}
`
}
