#!/bin/sh
# Render DOCX files as they print, to look at them before saying a document is done:
# DOCX -> PDF (LibreOffice headless) -> one PNG per page (pdftoppm, poppler-utils).
#   scripts/render_docx.sh [-r DPI] OUT_DIR FILE.docx [FILE.docx ...]
#   scripts/render_docx.sh [-r DPI] --demo OUT_DIR [vi|en]   # the offline demo's minutes
# Writes OUT_DIR/<name>.pdf and OUT_DIR/<name>-<page>.png and prints the page count of each.
# Needs soffice (apt-get install libreoffice-writer-nogui) and pdftoppm, pdfinfo (poppler-utils).
set -eu
dpi=80
if [ "${1:-}" = "-r" ]; then dpi=$2; shift 2; fi
demo=""
if [ "${1:-}" = "--demo" ]; then demo=yes; shift; fi
if [ $# -lt 1 ] || { [ -z "$demo" ] && [ $# -lt 2 ]; }; then
    echo "usage: $0 [-r DPI] OUT_DIR FILE.docx [FILE.docx ...]" >&2
    echo "       $0 [-r DPI] --demo OUT_DIR [vi|en]" >&2
    exit 2
fi
out=$1; shift
for tool in soffice pdftoppm pdfinfo; do
    command -v "$tool" >/dev/null || { echo "$tool not found (LibreOffice / poppler-utils)" >&2; exit 1; }
done
mkdir -p "$out"
if [ -n "$demo" ]; then
    # The demo writes the award review's and the election's minutes beside its other files.
    root=$(cd "$(dirname "$0")/.." && pwd)
    lang=${1:-vi}
    rm -rf "$out/demo"
    MPLBACKEND=Agg "$root/.venv/bin/blocbot" demo --lang "$lang" --out "$out/demo" >"$out/demo.txt"
    set -- "$out"/demo/*.docx
fi
# A private LibreOffice profile: no clash with an office already running or another render.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for docx in "$@"; do
    name=$(basename "$docx" .docx)
    soffice -env:UserInstallation=file://"$profile" --headless --convert-to pdf \
        --outdir "$out" "$docx" >/dev/null 2>&1
    pdf="$out/$name.pdf"
    rm -f "$out/$name"-*.png
    pdftoppm -r "$dpi" -png "$pdf" "$out/$name"
    pages=$(pdfinfo "$pdf" | sed -n 's/^Pages: *//p')
    echo "$docx: $pages page(s)"
    ls "$out/$name"-*.png
done
