//! The page transcoder against the conversion it replaces, on random DynamoDB-JSON pages: every
//! attribute type, 38-digit numbers with signs, fractions and exponents, binary and sets (empty
//! ones too), nested maps and lists, and strings and names with every kind of escape (`\uXXXX`,
//! surrogate pairs, `\/`, control characters) or raw UTF-8.
//!
//! The oracle is the old path: the SDK's own deserializer (a client whose HTTP response is the page)
//! and then `item_to_raw`. Items must match byte for byte, except the order of members in an
//! object: the SDK holds an item in a `HashMap`, so its order is arbitrary (the comparison sorts
//! members by their exact JSON text and compares everything else as written).

use aws_sdk_dynamodb::operation::scan::ScanOutput;
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::body::SdkBody;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ddb_cross_account_reader::internals::lambda::config::Config;
use ddb_cross_account_reader::internals::lambda::response::Response;
use ddb_cross_account_reader::internals::table::{Budget, TableAccess};
use ddb_cross_account_reader::internals::wire::convert::item_to_raw;
use ddb_cross_account_reader::internals::wire::request::Request;
use ddb_cross_account_reader::internals::wire::transcode::transcode_page;
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::111111111111:role/dev-ddb_cross_acc_access_role-222222222222";

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

/// One character as DynamoDB JSON could carry it: raw where JSON allows, or escaped.
fn put_char(rng: &mut Rng, c: char, out: &mut String) {
    match c {
        '"' => out.push_str(r#"\""#),
        '\\' => out.push_str(r"\\"),
        '\n' if rng.coin() => out.push_str(r"\n"),
        '\t' if rng.coin() => out.push_str(r"\t"),
        '\u{8}' if rng.coin() => out.push_str(r"\b"),
        '\u{c}' if rng.coin() => out.push_str(r"\f"),
        '\r' if rng.coin() => out.push_str(r"\r"),
        '/' if rng.coin() => out.push_str(r"\/"),
        c if (c as u32) < 0x20 || rng.below(4) == 0 => {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                // both letter cases of hex digits occur on the wire
                if rng.coin() {
                    out.push_str(&format!("\\u{u:04x}"));
                } else {
                    out.push_str(&format!("\\u{u:04X}"));
                }
            }
        }
        c => out.push(c),
    }
}

const CHARS: &[char] = &[
    'a',
    'Z',
    '0',
    ' ',
    '"',
    '\\',
    '/',
    '\n',
    '\t',
    '\r',
    '\u{8}',
    '\u{c}',
    '\u{0}',
    '\u{1f}',
    '\u{7f}',
    'é',
    'ß',
    '€',
    '中',
    '😀',
    '\u{10ffff}',
    '\u{2028}',
    '<',
    '&',
    '\'',
];

fn string(rng: &mut Rng) -> String {
    let mut out = String::from("\"");
    for _ in 0..rng.below(12) {
        let c = CHARS[rng.below(CHARS.len())];
        put_char(rng, c, &mut out);
    }
    out.push('"');
    out
}

/// A distinct attribute name: a random string with a unique suffix.
fn name(rng: &mut Rng, i: usize) -> String {
    let mut s = string(rng);
    s.pop();
    s.push_str(&format!("#{i}\""));
    s
}

fn digits(rng: &mut Rng, n: usize) -> String {
    let mut s: String = (0..n).map(|_| char::from(b'0' + rng.below(10) as u8)).collect();
    if s.len() > 1 && s.starts_with('0') {
        s.replace_range(0..1, "7");
    }
    s
}

/// A DynamoDB number: up to 38 digits, a sign, a fraction, an exponent in any of its spellings.
fn number(rng: &mut Rng) -> String {
    let mut n = String::new();
    if rng.coin() {
        n.push('-');
    }
    let int_len = 1 + rng.below(38);
    n.push_str(&digits(rng, int_len));
    if rng.coin() {
        n.push('.');
        let frac_len = 1 + rng.below(38 - int_len + 1);
        n.push_str(&digits(rng, frac_len));
    }
    if rng.below(3) == 0 {
        n.push(if rng.coin() { 'E' } else { 'e' });
        match rng.below(3) {
            0 => n.push('+'),
            1 => n.push('-'),
            _ => {}
        }
        n.push_str(&(rng.below(126)).to_string());
    }
    if rng.below(10) == 0 {
        n = ["0", "-0", "0.0", "1E+125", "-1E-130", "99999999999999999999999999999999999999"][rng.below(6)].into();
    }
    format!("\"{n}\"")
}

fn binary(rng: &mut Rng) -> String {
    let bytes: Vec<u8> = (0..rng.below(9)).map(|_| rng.next() as u8).collect();
    format!("\"{}\"", STANDARD.encode(bytes))
}

fn set(rng: &mut Rng, element: fn(&mut Rng) -> String) -> String {
    let n = if rng.below(6) == 0 { 0 } else { 1 + rng.below(4) };
    let elements: Vec<String> = (0..n).map(|_| element(rng)).collect();
    format!("[{}]", elements.join(","))
}

/// One attribute value in DynamoDB JSON.
fn value(rng: &mut Rng, depth: usize) -> String {
    let kinds = if depth >= 3 { 8 } else { 10 };
    let (tag, inner) = match rng.below(kinds) {
        0 => ("S", string(rng)),
        1 => ("N", number(rng)),
        2 => ("B", binary(rng)),
        3 => ("BOOL", if rng.coin() { "true" } else { "false" }.to_string()),
        4 => ("NULL", "true".to_string()),
        5 => ("SS", set(rng, string)),
        6 => ("NS", set(rng, number)),
        7 => ("BS", set(rng, binary)),
        8 => ("M", map(rng, depth + 1)),
        _ => {
            let elements: Vec<String> = (0..rng.below(4)).map(|_| value(rng, depth + 1)).collect();
            ("L", format!("[{}]", elements.join(",")))
        }
    };
    let space = if rng.below(5) == 0 { " " } else { "" };
    format!("{{{space}\"{tag}\":{space}{inner}{space}}}")
}

fn map(rng: &mut Rng, depth: usize) -> String {
    let members: Vec<String> = (0..rng.below(if depth == 0 { 8 } else { 4 }))
        .map(|i| format!("{}:{}", name(rng, i), value(rng, depth)))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// A Scan page: the items and the small fields, in a random member order.
fn page(rng: &mut Rng) -> String {
    let items: Vec<String> = (0..rng.below(7)).map(|_| map(rng, 0)).collect();
    let mut members = vec![
        format!("\"Items\":[{}]", items.join(",")),
        format!("\"Count\":{}", items.len()),
        format!("\"ScannedCount\":{}", items.len() + rng.below(3)),
        "\"ConsumedCapacity\":{\"TableName\":\"orders\",\"CapacityUnits\":1.5}".to_string(),
    ];
    if rng.coin() {
        // a key attribute is a string, a number or binary
        let key = match rng.below(3) {
            0 => format!("{{\"S\":{}}}", string(rng)),
            1 => format!("{{\"N\":{}}}", number(rng)),
            _ => format!("{{\"B\":{}}}", binary(rng)),
        };
        members.push(format!("\"LastEvaluatedKey\":{{\"pk\":{key}}}"));
    }
    for i in (1..members.len()).rev() {
        members.swap(i, rng.below(i + 1));
    }
    format!("{{{}}}", members.join(","))
}

/// JSON text with every object's members sorted by their exact text; everything else unchanged.
fn canonical(text: &str) -> String {
    let b = text.as_bytes();
    let mut i = 0;
    let out = canon_value(b, &mut i);
    assert_eq!(i, b.len(), "trailing text in {text}");
    out
}

fn canon_value(b: &[u8], i: &mut usize) -> String {
    match b[*i] {
        b'{' => {
            *i += 1;
            let mut members = Vec::new();
            while b[*i] != b'}' {
                if b[*i] == b',' {
                    *i += 1;
                }
                let key = canon_string(b, i);
                assert_eq!(b[*i], b':');
                *i += 1;
                members.push(format!("{key}:{}", canon_value(b, i)));
            }
            *i += 1;
            members.sort();
            format!("{{{}}}", members.join(","))
        }
        b'[' => {
            *i += 1;
            let mut elements = Vec::new();
            while b[*i] != b']' {
                if b[*i] == b',' {
                    *i += 1;
                }
                elements.push(canon_value(b, i));
            }
            *i += 1;
            format!("[{}]", elements.join(","))
        }
        b'"' => canon_string(b, i),
        _ => {
            let start = *i;
            while *i < b.len() && !matches!(b[*i], b',' | b'}' | b']') {
                *i += 1;
            }
            String::from_utf8(b[start..*i].to_vec()).unwrap()
        }
    }
}

fn canon_string(b: &[u8], i: &mut usize) -> String {
    let start = *i;
    *i += 1;
    while b[*i] != b'"' {
        *i += if b[*i] == b'\\' { 2 } else { 1 };
    }
    *i += 1;
    String::from_utf8(b[start..*i].to_vec()).unwrap()
}

fn client_answering(body: String) -> Client {
    let rule = mock!(Client::scan)
        .then_http_response(move || HttpResponse::new(StatusCode::try_from(200).unwrap(), SdkBody::from(body.clone())));
    mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule])
}

/// The old path: the SDK parses the page, `item_to_raw` converts its items.
async fn through_the_sdk(body: &str) -> (Vec<String>, ScanOutput) {
    let out =
        client_answering(body.to_string()).scan().table_name("orders").send().await.expect("the SDK parses the page");
    let items = out.items().iter().map(|item| item_to_raw(item).unwrap().get().to_string()).collect();
    (items, out)
}

#[tokio::test]
async fn random_pages_come_out_as_the_sdk_path_writes_them() {
    let mut rng = Rng(0x05EE_D0F7_A4E5);
    let mut items_seen = 0;
    for case in 0..400 {
        let body = page(&mut rng);
        let (want, sdk) = through_the_sdk(&body).await;
        let got = transcode_page(body.as_bytes()).unwrap_or_else(|e| panic!("case {case}: {e}\n{body}"));
        assert_eq!(got.items.len(), want.len(), "case {case}: {body}");
        for (g, w) in got.items.iter().zip(&want) {
            assert_eq!(canonical(g), canonical(w), "case {case}: {body}");
        }
        items_seen += want.len();
        // What the SDK then reads from the rest of the body is what it read from the whole.
        let (none, rest) = through_the_sdk(std::str::from_utf8(&got.rest).unwrap()).await;
        assert!(none.is_empty() && rest.items.is_none(), "case {case}: `Items` left in the rest");
        assert_eq!(rest.count, sdk.count, "case {case}");
        assert_eq!(rest.scanned_count, sdk.scanned_count, "case {case}");
        assert_eq!(rest.last_evaluated_key, sdk.last_evaluated_key, "case {case}");
        assert_eq!(rest.consumed_capacity, sdk.consumed_capacity, "case {case}");
    }
    assert!(items_seen > 1000, "the generator made only {items_seen} items");
}

#[test]
fn the_comparison_sees_a_changed_byte_but_not_the_member_order() {
    assert_eq!(canonical(r#"{"a":1,"b":[{"y":"\n","x":2}]}"#), canonical(r#"{"b":[{"x":2,"y":"\n"}],"a":1}"#));
    assert_ne!(canonical(r#"{"a":"é"}"#), canonical(r#"{"a":"\u00e9"}"#));
    assert_ne!(canonical(r#"{"a":1.0}"#), canonical(r#"{"a":1}"#));
    assert_ne!(canonical(r#"{"a":[1,2]}"#), canonical(r#"{"a":[2,1]}"#));
}

fn config() -> Config {
    Config::from_env(|k| match k {
        "ROLE_ARN" => Some(ROLE.into()),
        "AWS_REGION" => Some("us-east-1".into()),
        "DEFAULT_TABLE" => Some("orders".into()),
        _ => None,
    })
    .unwrap()
}

/// One call's response as the Lambda returns it, with the items in canonical form.
async fn respond(client: Client, request: &Value, max: usize) -> Value {
    let req = Request::parse(request.clone(), &config().requests).unwrap();
    let budget =
        Budget { max_response_bytes: max, cutoff: tokio::time::Instant::now() + std::time::Duration::from_secs(60) };
    let outcome = TableAccess::new(client, ROLE).execute(&req, budget).await.unwrap();
    let text = Response::new(&req, outcome).unwrap().into_json().unwrap();
    let mut out: Value = serde_json::from_str(text.get()).unwrap();
    let items: Vec<String> = out["items"].as_array().unwrap().iter().map(|i| canonical(&i.to_string())).collect();
    out["items"] = json!(items);
    out
}

#[tokio::test]
async fn whole_responses_match_the_sdk_path_including_mid_page_stops() {
    let mut rng = Rng(42);
    for case in 0..30 {
        let mut body = page(&mut rng);
        while transcode_page(body.as_bytes()).unwrap().items.len() < 4 {
            body = page(&mut rng);
        }
        let (_, parsed) = through_the_sdk(&body).await;
        let parsed_rule = {
            let parsed = parsed.clone();
            mock!(Client::scan).then_output(move || parsed.clone())
        };
        // The SDK's parsed output handed back as a modeled response never reaches the transcoder:
        // that is the old conversion, whole, next_token included.
        let old = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&parsed_rule]);
        for (request, max) in [
            (json!({"op": "scan"}), 6 << 20),
            (json!({"op": "scan", "limit": 2}), 6 << 20),
            // room for the envelope, one cursor and about one item: a stop on size mid-page
            (json!({"op": "scan"}), 4096 + 6144 + 60),
        ] {
            let new = respond(client_answering(body.clone()), &request, max).await;
            let was = respond(old.clone(), &request, max).await;
            assert_eq!(new, was, "case {case}, {request}, {max}: {body}");
            if let Some(token) = new["next_token"].as_str() {
                let mut next = request.clone();
                next["next_token"] = json!(token);
                let new = respond(client_answering(body.clone()), &next, max).await;
                let was = respond(old.clone(), &next, max).await;
                assert_eq!(new, was, "case {case}, second call of {request}: {body}");
            }
        }
    }
}
