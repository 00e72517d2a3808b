#!/usr/bin/env bats
# The documentation stands alone in the tree: nothing outside docs/ points
# at the specification's original outside the repository (a user's clone
# has only this tree), docs/ links nowhere outside it, and every citation
# of a file in docs/ names a file and a section that exist.
#
# The patterns below are written so that this file does not match them.

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

# The text files of the tree, outside docs/ (@1 = outside) or inside it
# (@1 = inside): git's tracked files in a checkout, else every file.
text_files() {
	local where=$1

	cd "$TOP" || return 1
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		if [ "$where" = inside ]; then
			git grep -I --name-only -e '' -- docs
		else
			git grep -I --name-only -e '' -- . ':!docs'
		fi
	elif [ "$where" = inside ]; then
		find docs -type f
	else
		find . -path ./build -prune -o -path ./docs -prune -o \
			-path ./.git -prune -o -type f -print | sed 's|^\./||' |
			xargs grep -Il -e '' --
	fi
}

@test "no file outside docs/ points outside the repository for the specification" {
	local hits

	hits=$(text_files outside | xargs awk '
		FNR == 1 { prev = "" }
		{
			l = tolower($0)
			# The relative path of the shared directory anywhere;
			# the phrase, also split across two lines of a comment.
			if (l ~ /\.\.\/shared/ || l ~ /reference[ \t-]+manual/ ||
			    (prev ~ /reference[ \t]*$/ &&
			     l ~ /^[ \t*#\/.\\"]*manual/))
				print FILENAME ":" FNR ": " $0
			prev = l
		}')
	if [ -n "$hits" ]; then
		echo "point to docs/ instead:"
		echo "$hits"
		return 1
	fi
}

@test "docs/ links nowhere outside the repository" {
	local hits

	hits=$(text_files inside | xargs grep -nE -e '(^|[^.])\.\./' --) || true
	if [ -n "$hits" ]; then
		echo "$hits"
		return 1
	fi
}

# The setext headings (a line underlined with = or -) and # headings of @1.
headings() {
	awk 'NR > 1 && /^(=+|-+)[ \t]*$/ && prev != "" { print prev }
	     /^#+ / { sub(/^#+ /, ""); print }
	     { prev = $0 }' "$1"
}

@test "every citation of docs/FILE, \"Section\" names a file and section that exist" {
	local file cite target section bad=""

	cd "$TOP"
	# A file of docs/ alone, or followed by ', "Section"'; a section
	# ending in "..." stands for the headings it begins.
	while IFS= read -r cite; do
		target=${cite%%,*}
		target=${target%% *}
		if [ ! -f "$target" ]; then
			bad+="$cite: no file $target"$'\n'
			continue
		fi
		case $cite in
		*\"*\")
			section=${cite#*\"}
			section=${section%\"}
			section=${section%...}
			headings "$target" |
				awk -v s="$section" 'index($0, s) == 1 { f = 1 }
						     END { exit !f }' ||
				bad+="$cite: no section \"$section\" in $target"$'\n'
			;;
		esac
	done < <(text_files outside | xargs grep -ohE \
		'docs/[A-Za-z0-9_.-]+\.md(, "[^"]+")?' -- | sort -u)
	if [ -n "$bad" ]; then
		printf '%s' "$bad"
		return 1
	fi
}
