# The simulated LD06 site of scripts/figures-ld06 and scripts/accuracy-ld06 (sourced, not run): the
# technician's set-up, the line straight out from the facade and the region 5 m along the walkway.
#   ld06_empty_street BIN SEED CAPTURE   records 25 s of the empty street into CAPTURE
#   ld06_site BIN DIR CAPTURE            writes DIR/passant.yaml (store and background in DIR) and
#                                        calibrates its background on CAPTURE

ld06_empty_street() {
  "$1/passant-sim" --protocol ld06 --output "$3" --fast --rate-a-to-b 0 --rate-b-to-a 0 \
    --duration 25 --seed "$2" >/dev/null 2>&1
}

ld06_site() {
  local bin=$1 dir=$2 capture=$3
  cat >"$dir/passant.yaml" <<YAML
site: ld06-figures
bin_seconds: 60
store: {path: $dir/passant.db}
sensors:
  - name: facade
    port: /dev/null
    protocol: ld06
    line: [[0.3, 0], [3.2, 0]]
    region: [[0.2, -2.5], [3.3, -2.5], [3.3, 2.5], [0.2, 2.5]]
    background: $dir/facade.background
YAML
  "$bin/passant" calibrate background -c "$dir/passant.yaml" --capture "$capture" >/dev/null
}
