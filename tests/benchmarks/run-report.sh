#!/usr/bin/env bash
# Runs every benchmark and writes docs/benchmarks.md and docs/benchmarks.svg.
#   tests/benchmarks/run-report.sh            the full report (about 35 minutes on 2 cores)
#   tests/benchmarks/run-report.sh --quick    small sizes, a few minutes, labelled quick
# Further arguments go to ReportMain (--parts jmh,kafka,postgres,latency,recovery,memory,jfr, --render-only).
# Set MAVEN_REPO to use another local Maven repository (-Dmaven.repo.local).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=()
if [[ -n "${MAVEN_REPO:-}" ]]; then repo=("-Dmaven.repo.local=${MAVEN_REPO}"); fi
mvn -B -q "${repo[@]}" -pl tests/benchmarks -am package -DskipTests
exec java -cp tests/benchmarks/target/benchmarks.jar io.onceflow.benchmarks.report.ReportMain "$@"
