#!/bin/sh
# Render DOCX files as a person would see them: DOCX -> PDF (LibreOffice headless) -> one PNG
# per page (pdftoppm, poppler-utils), to look at before saying a document is done.
#   scripts/render_docx.sh [-r DPI] OUT_DIR FILE.docx [FILE.docx ...]
# Writes OUT_DIR/<name>.pdf and OUT_DIR/<name>-<page>.png; prints each PNG and the page count.
# Needs: soffice (apt-get install libreoffice-writer-nogui) and pdftoppm (poppler-utils).
set -eu
dpi=80
if [ "${1:-}" = "-r" ]; then dpi=$2; shift 2; fi
if [ $# -lt 2 ]; then
    echo "usage: $0 [-r DPI] OUT_DIR FILE.docx [FILE.docx ...]" >&2
    exit 2
fi
out=$1; shift
for tool in soffice pdftoppm pdfinfo; do
    command -v "$tool" >/dev/null || { echo "$tool not found (LibreOffice / poppler-utils)" >&2; exit 1; }
done
mkdir -p "$out"
# A private LibreOffice profile: no clash with a running office or with another render.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for docx in "$@"; do
    name=$(basename "$docx" .docx)
    soffice -env:UserInstallation=file://"$profile" --headless --convert-to pdf \
        --outdir "$out" "$docx" >/dev/null
    pdf="$out/$name.pdf"
    rm -f "$out/$name"-*.png
    pdftoppm -r "$dpi" -png "$pdf" "$out/$name"
    pages=$(pdfinfo "$pdf" | sed -n 's/^Pages: *//p')
    echo "$docx: $pages page(s)"
    ls "$out/$name"-*.png
done
