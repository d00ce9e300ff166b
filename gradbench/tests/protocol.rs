//! The protocol end to end through `serve`: a session as an eval runs it, and bad input,
//! which gets an error response (never a panic, never silence).

use backprop_gradbench::protocol::{respond, serve};
use serde_json::{Value, json};

fn session(lines: &[Value]) -> Vec<Value> {
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let mut output = Vec::new();
    serve(input.as_bytes(), &mut output).expect("in-memory io");
    String::from_utf8(output)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each response is JSON"))
        .collect()
}

#[test]
fn hello_session() {
    let responses = session(&[
        json!({"id": 0, "kind": "start", "eval": "hello"}),
        json!({"id": 1, "kind": "define", "module": "hello"}),
        json!({"id": 2, "kind": "evaluate", "module": "hello", "function": "square", "input": 3.0}),
        json!({"id": 3, "kind": "analysis", "of": 2, "valid": true}),
        json!({"id": 4, "kind": "evaluate", "module": "hello", "function": "double", "input": 9.0}),
    ]);
    assert_eq!(responses.len(), 5);
    assert_eq!(responses[0]["id"], 0);
    assert_eq!(responses[1], json!({"id": 1, "success": true}));
    assert_eq!(responses[2]["output"], 9.0);
    assert_eq!(responses[2]["timings"][0]["name"], "evaluate");
    assert_eq!(responses[3], json!({"id": 3}));
    assert_eq!(responses[4]["output"], 18.0);
}

#[test]
fn runs_and_outputs_in_the_evals_shapes() {
    let r = respond(
        &json!({"id": 7, "kind": "evaluate", "module": "llsq", "function": "gradient",
            "input": {"x": [0.5, -0.25, 1.0], "n": 5, "min_runs": 3, "min_seconds": 0.0}})
        .to_string(),
    );
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(r["timings"].as_array().unwrap().len(), 3);
    assert_eq!(r["output"].as_array().unwrap().len(), 3);
    let gmm = json!({"id": 8, "kind": "evaluate", "module": "gmm", "function": "jacobian",
        "input": {"d": 2, "k": 2, "n": 3, "alpha": [0.1, -0.2],
            "mu": [[0.0, 1.0], [1.0, 0.0]], "q": [[0.1, 0.2], [-0.1, 0.0]], "l": [[0.3], [0.4]],
            "x": [[0.5, 0.5], [1.0, -1.0], [0.0, 2.0]], "m": 0, "gamma": 1.0,
            "min_runs": 1, "min_seconds": 0.0}});
    let r = respond(&gmm.to_string());
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(
        r["output"]["l"],
        json!([[r["output"]["l"][0][0]], [r["output"]["l"][1][0]]])
    );
    assert_eq!(r["output"]["mu"].as_array().unwrap().len(), 2);
}

/// Every kind of bad input gets `success: false` and an error saying what is wrong.
#[test]
fn bad_input_gets_an_error_response() {
    let cases = [
        ("not json", "malformed message"),
        ("{\"kind\": \"start\"}", "numeric \"id\""),
        ("{\"id\": 1}", "\"kind\""),
        (
            "{\"id\": 1, \"kind\": \"define\", \"module\": \"nope\"}",
            "no module \"nope\"",
        ),
        ("{\"id\": 1, \"kind\": \"define\"}", "needs a \"module\""),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"lse\", \"input\": {}}",
            "\"function\"",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"lse\", \"function\": \"primal\"}",
            "\"input\"",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"lse\", \"function\": \"nope\", \"input\": {\"x\": [1.0]}}",
            "no function \"nope\"",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"lse\", \"function\": \"primal\", \"input\": {\"x\": []}}",
            "nonempty",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"lse\", \"function\": \"primal\", \"input\": {\"x\": [1, \"a\"]}}",
            "expected a number",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"llsq\", \"function\": \"primal\", \"input\": {\"x\": [1.0]}}",
            "no field \"n\"",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"llsq\", \"function\": \"primal\", \"input\": {\"x\": [1.0], \"n\": -3}}",
            "nonnegative integer",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"det\", \"function\": \"primal\", \"input\": {\"A\": [1.0, 2.0], \"ell\": 2}}",
            "ell² entries",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"gmm\", \"function\": \"objective\", \"input\": {\"d\": 2, \"k\": 1, \"n\": 1, \"alpha\": [0.0], \"mu\": [[0.0]], \"q\": [[0.0, 0.0]], \"l\": [[0.0]], \"x\": [[0.0, 0.0]], \"m\": 0, \"gamma\": 1.0}}",
            "mu[0] has 1 entries, not 2",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"lstm\", \"function\": \"objective\", \"input\": {\"main_params\": [[1.0, 2.0, 3.0]]}}",
            "main_params needs",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"ode\", \"function\": \"primal\", \"input\": {\"x\": [1.0], \"s\": 1, \"min_seconds\": 1e300}}",
            "min_seconds",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"ht\", \"function\": \"objective\", \"input\": {\"theta\": []}}",
            "no field \"data\"",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"ht\", \"function\": \"objective\", \"input\": {\"data\": {\"model\": {\"parents\": [-1, 3]}}}}",
            "parent must come before it",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"ht\", \"function\": \"objective\", \"input\": {\"theta\": [], \"data\": {\"model\": {\"parents\": [-1], \"base_relatives\": [[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]], \"inverse_base_absolutes\": [[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]], \"base_positions\": [[0,0,0,1]], \"weights\": [[1]], \"triangles\": [[0, 0]]}}}}",
            "a triangle needs 3 vertices, not [0,0]",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"particle\", \"function\": \"primal\", \"input\": {\"w\": 0.0}}",
            "no function \"primal\" (this eval's are ff, fr, rf, rr)",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"particle\", \"function\": \"rr\", \"input\": {\"w\": 100.0}}",
            "is not finite",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"saddle\", \"function\": \"fr\", \"input\": {\"start\": [1.0]}}",
            "start needs 2 numbers, not 1",
        ),
        (
            "{\"id\": 1, \"kind\": \"evaluate\", \"module\": \"saddle\", \"function\": \"ff\", \"input\": {\"start\": [1.0, 1e300]}}",
            "beyond",
        ),
    ];
    for (line, expected) in cases {
        let r = respond(line);
        assert_eq!(r["success"], false, "{line} -> {r}");
        let error = r["error"].as_str().unwrap_or_default();
        assert!(error.contains(expected), "{line} -> {error}");
    }
}

/// ba's sparse Jacobian in the eval's shape: compressed rows, 15 entries per residual row,
/// the first 30 entries of each list and the last.
#[test]
fn ba_jacobian_in_compressed_rows() {
    let input = json!({"n": 3, "m": 4, "p": 12,
        "cam": [0.1, -0.2, 0.3, 0.5, -0.5, -4.0, 1.2, 0.01, -0.02, 0.1, 0.01],
        "x": [0.3, 0.2, 0.1], "w": 0.8, "feat": [0.2, -0.1], "min_runs": 1, "min_seconds": 0.0});
    let message = json!({"id": 1, "kind": "evaluate", "module": "ba", "function": "jacobian",
        "input": input});
    let r = respond(&message.to_string());
    assert_eq!(r["success"], true, "{r}");
    let out = &r["output"];
    for list in ["rows", "cols", "vals"] {
        assert_eq!(out[list].as_array().unwrap().len(), 31, "{list}");
    }
    // Row pointers: 15 entries per residual row, then one per weight: 2p·15 + p in all.
    assert_eq!(out["rows"][1], 15);
    assert_eq!(out["rows"][30], 12 * 2 * 15 + 12);
    // The first row's columns: camera 0, point 0 (after the 3 cameras), weight 0 (after the
    // 4 points); the last entry is the last weight's, d(1 − w²)/dw = −2w.
    let cols: Vec<u64> = (0..15).map(|k| out["cols"][k].as_u64().unwrap()).collect();
    assert_eq!(cols, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 33, 34, 35, 45]);
    assert_eq!(out["cols"][30], 33 + 12 + 11);
    assert!((out["vals"][30].as_f64().unwrap() + 1.6).abs() < 1e-15);
    let message = json!({"id": 2, "kind": "evaluate", "module": "ba", "function": "objective",
        "input": message["input"]});
    let r = respond(&message.to_string());
    assert_eq!(r["output"]["reproj_error"]["repeated"], 12);
    assert!((r["output"]["w_err"]["element"].as_f64().unwrap() - 0.36).abs() < 1e-15);
}
