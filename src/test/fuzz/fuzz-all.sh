#!/usr/bin/env bash
# Fuzzes every Jazzer target for real, one after the other (Jazzer fuzzes one target per JVM),
# each for the maxDuration its @FuzzTest names (30 s unless said otherwise). Findings are
# written by Jazzer under src/test/resources/<package>/<TestClass>Inputs/ and then run as
# regression inputs in every ordinary `mvn verify`.
#
#   src/test/fuzz/fuzz-all.sh [TestClass#method ...]     default: every @FuzzTest in src/test
set -euo pipefail
cd "$(dirname "$0")/../../.."
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  while IFS= read -r file; do
    class=$(basename "$file" .java)
    for method in $(grep -A2 '@FuzzTest' "$file" | sed -n 's/.*void \([A-Za-z0-9_]*\)(.*/\1/p'); do
      targets+=("$class#$method")
    done
  done < <(grep -rl '@FuzzTest' src/test/java | sort)
fi
mvn -B -q test-compile
for target in "${targets[@]}"; do
  echo "== fuzzing $target"
  start=$(date +%s)
  if JAZZER_FUZZ=1 mvn -B -q surefire:test -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false > "target/fuzz-${target//#/.}.log" 2>&1; then
    echo "   no finding in $(( $(date +%s) - start )) s"
  else
    echo "   FINDING (or failure) after $(( $(date +%s) - start )) s: see target/fuzz-${target//#/.}.log"
  fi
done
