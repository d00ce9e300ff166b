//! GradBench's protocol: one JSON message per line in, one JSON response per line out
//! (`CONTRIBUTING.md` of GradBench).

use serde_json::{Value, json};
use std::io::{BufRead, Write};

/// Answers every line of `input` on `output`, until the input ends.
pub fn serve(input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let response = respond(&line);
        writeln!(output, "{response}")?;
        output.flush()?;
    }
    Ok(())
}

/// The response to one message.
pub fn respond(line: &str) -> Value {
    let message: Value = match serde_json::from_str(line) {
        Ok(m) => m,
        Err(e) => return failure(Value::Null, format!("malformed message: {e}")),
    };
    let id = message.get("id").cloned().unwrap_or(Value::Null);
    if !id.is_number() {
        return failure(id, "the message has no numeric \"id\"".into());
    }
    match message.get("kind").and_then(Value::as_str) {
        Some("start") => json!({ "id": id, "tool": "backprop" }),
        Some("define") => match message.get("module").and_then(Value::as_str) {
            Some(module) if crate::evals::MODULES.contains(&module) => {
                json!({ "id": id, "success": true })
            }
            Some(module) => failure(
                id,
                format!(
                    "no module \"{module}\"; backprop implements {}",
                    crate::evals::MODULES.join(", ")
                ),
            ),
            None => failure(id, "a define message needs a \"module\" string".into()),
        },
        Some("evaluate") => evaluate(id, &message),
        Some(_) => json!({ "id": id }),
        None => failure(id, "the message has no \"kind\" string".into()),
    }
}

fn evaluate(id: Value, message: &Value) -> Value {
    let text = |field: &str| message.get(field).and_then(Value::as_str);
    let (Some(module), Some(function)) = (text("module"), text("function")) else {
        return failure(
            id,
            "an evaluate message needs \"module\" and \"function\" strings".into(),
        );
    };
    let Some(input) = message.get("input") else {
        return failure(id, "an evaluate message needs an \"input\"".into());
    };
    match crate::evals::evaluate(module, function, input) {
        Ok(run) => {
            let timings: Vec<Value> = run
                .timings
                .iter()
                .map(|ns| json!({ "name": "evaluate", "nanoseconds": ns }))
                .collect();
            json!({ "id": id, "success": true, "output": run.output, "timings": timings })
        }
        Err(e) => failure(id, format!("{module}.{function}: {e}")),
    }
}

fn failure(id: Value, error: String) -> Value {
    json!({ "id": id, "success": false, "error": error })
}
