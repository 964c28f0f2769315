#!/usr/bin/env bash
# The git work of align's offline run, as a plain script: the baseline of `nox -s bench`.
#
#   bench/plain.sh [-v] BRANCH ONTO [CHECK...]
#
# Backs BRANCH up as refs/align/backups/BRANCH/<utc-timestamp>, refuses when the tree has
# changes or the branch has merges, rebases it onto ONTO the way align's rebase step does
# (merge backend, rerere, no autostash/autosquash/fork-point), then runs the CHECKs of align's
# verify step (the bench passes the ones align ran): no_conflict_markers, clean_state,
# contains_target, linear, backup_reachable, patches_preserved, metadata_preserved.
# -v prints each git command on stderr, like `align -v`.
set -euo pipefail

verbose=0
if [[ ${1-} == -v ]]; then verbose=1; shift; fi
branch=$1 onto=$2
shift 2

g() {
  if ((verbose)); then echo "git $*" >&2; fi
  git --no-pager "$@"
}
fail() { echo "plain.sh: $*" >&2; exit 1; }

# What to align: the branch tip and the target (align's for-each-ref and counts).
tip=$(g rev-parse --verify --quiet "refs/heads/$branch^{commit}") || fail "no branch $branch"
target=$(g rev-parse --verify --quiet "$onto^{commit}") || fail "nothing to align onto: $onto"
read -r behind ahead < <(g rev-list --left-right --count "$target...$tip" --)
((behind > 0)) || { echo "$branch already contains $onto"; exit 0; }
merges=$(g rev-list --count --min-parents=2 "$target..$tip" --)
((merges == 0)) || fail "$branch has $merges merge commit(s); rebasing would flatten them"
base=$(g merge-base "$target" "$tip")
[[ -z $(g status --porcelain=v1 --untracked-files=no) ]] || fail "uncommitted changes"

# backup: a new ref, created only if it does not exist yet.
backup="refs/align/backups/$branch/$(date -u +%Y%m%dT%H%M%SZ)"
g update-ref --create-reflog -m "backup of refs/heads/$branch" "$backup" "$tip" 0000000000000000000000000000000000000000

# rebase: the recipe decides rerere and update-refs, not the user's config.
g -c rerere.enabled=true -c rerere.autoUpdate=true -c rebase.updateRefs=false \
  rebase --quiet --merge --no-autostash --no-autosquash --no-fork-point "$target" >/dev/null
new=$(g rev-parse --verify "refs/heads/$branch^{commit}")
after=$(g rev-list --count "$target..$new" --)

# verify
history=""
read_history() {  # one git log of both sides (old "<", new ">"): metadata and diffs, read once like align
  [[ -n $history ]] || history=$(g log --left-right --no-merges -p -U0 --no-renames --full-index --no-color \
    --date=raw --format='commit %H%n%m%an <%ae>%x1f%ad%x1f%s' "$tip...$new" "^$target")
}
git_dir=$(g rev-parse --absolute-git-dir)
for check in "$@"; do
  case $check in
    no_conflict_markers)
      pattern='^(<<<<<<<|>>>>>>>)( |$)'
      mapfile -d '' paths < <(g diff --name-only -z --no-renames -G "$pattern" "$target" "$new")
      if ((${#paths[@]})) && g --literal-pathspecs grep -q -E -e "$pattern" "$new" -- "${paths[@]}"; then
        fail "conflict markers"
      fi ;;
    clean_state)
      [[ ! -d $git_dir/rebase-merge && ! -d $git_dir/rebase-apply ]] || fail "a rebase is still in progress"
      [[ -z $(g status --porcelain=v2 --untracked-files=no | grep '^u ' || true) ]] || fail "unmerged paths" ;;
    contains_target)
      g merge-base --is-ancestor "$target" "$new" || fail "$onto is not in the new branch" ;;
    linear)
      [[ $(g rev-list --count --min-parents=2 "$target..$new" --) == 0 ]] || fail "merge commits" ;;
    backup_reachable)
      [[ $(g rev-parse --verify "$backup^{commit}") == "$tip" ]] || fail "$backup moved" ;;
    patches_preserved)  # every old commit's patch is in the new branch: one patch-id stream over both sides
      read_history
      pairs=$(awk 'NR == FNR { id[$2] = $1; next }
                   /^commit [0-9a-f]+$/ { sha = $2; getline; side = substr($0, 1, 1); print side, id[sha] }' \
        <(g patch-id --stable <<<"$history") <(printf '%s\n' "$history"))
      [[ $(grep '^<' <<<"$pairs" | cut -c3- | sort) == $(grep '^>' <<<"$pairs" | cut -c3- | sort) ]] \
        || fail "patches changed" ;;
    metadata_preserved)  # the same authors, author dates and subjects on both sides
      read_history
      [[ $(grep '^<' <<<"$history" | cut -c2- | sort) == $(grep '^>' <<<"$history" | cut -c2- | sort) ]] \
        || fail "authors, dates or messages changed" ;;
    *) fail "unknown check $check" ;;
  esac
done
echo "$branch: ${tip:0:12} ($ahead) -> ${new:0:12} ($after) onto $onto; backup $backup; checks: ${*:-none}"
