//! `backprop-gradbench`: the GradBench tool. Reads the eval's messages from stdin, one JSON
//! object per line, and writes one response per message to stdout.

fn main() {
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    if let Err(e) = backprop_gradbench::protocol::serve(stdin, stdout) {
        eprintln!("backprop-gradbench: {e}");
        std::process::exit(1);
    }
}
