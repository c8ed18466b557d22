#!/bin/sh
# man_block.sh PAGE NAME -- the shell block of a man page between the
# comments '.\" NAME begin' and '.\" NAME end', as a reader would copy it
# from the rendered page (mdoc escapes undone).
sed -n "/^\.\\\\\" $2 begin/,/^\.\\\\\" $2 end/p" "$1" |
	sed -e '/^\./d' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g'
