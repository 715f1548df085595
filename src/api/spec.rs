//! The one finishing step between the document poem-openapi 5 generates and the one Tsunagu
//! publishes. Each rewrite below says something the server really does that the generator
//! cannot express through attributes; nothing here describes behaviour the code does not have.
//!
//! - Dates: chrono's `NaiveDate` is emitted as `format: naive-date`, which is no registered
//!   format; the server reads and writes RFC 3339 full dates, so it is `format: date`.
//! - Optional fields: the server sends `null` for an absent optional value and accepts `null`
//!   for one in a request, so every property that is not required is `nullable`.
//! - References with a description come out as `allOf: [{$ref}, {description}]`, which
//!   generators read as a composition; they become `allOf: [{$ref}]` with the description
//!   beside it (the 3.0 way to annotate or null a reference).
//! - A tagged union's variants come out as `allOf` of the tag and the variant's object; they
//!   are flattened into one object, which generators read as the variant it is.
//! - Every request body object but a union's variants refuses unknown fields
//!   (`deny_unknown_fields`), so each says `additionalProperties: false`. poem-openapi cannot
//!   refuse them in a variant (the tag itself would count as unknown), so those stay open.
//! - Problem statuses: `ApiError` documents every problem status for every operation; each
//!   operation keeps only those it can answer, by its shape (a body, parameters, `If-Match`)
//!   and by the two lists below. A change (POST, PUT, PATCH, DELETE) can also answer 403: made
//!   with a session cookie from another site.
//! - OAuth flows: OpenAPI 3.0 requires `scopes` on each flow; Tsunagu's client-credentials
//!   tokens carry none (a client acts as its party), so each flow says `scopes: {}`.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

/// Operations that refuse some callers with 403 (their role may not do this at all).
const FORBIDDEN: &[&str] = &[
    "createOrganization",
    "listOrganizations",
    "getOrganization",
    "updateOrganization",
    "createParty",
    "listParties",
    "getParty",
    "updateParty",
    "createPerson",
    "updatePerson",
    "createPlacement",
    "updatePlacement",
    "createLink",
    "updateLink",
    "revokeLink",
    "createMilestone",
    "updateMilestone",
    "recordMilestoneEvent",
    "recordCustody",
    "recordLapse",
    "upsertScheduledDate",
    "pushScheduleBatch",
    "createWebhook",
    "listWebhooks",
    "deleteWebhook",
    "listWebhookDeliveries",
    "listProvisionRecords",
    "exportProvisionRecords",
    "listAuditEvents",
    "listPlanningFailures",
    "createCalendarFeed",
    "listMyContactPoints",
    "getMyPreferences",
    "listMySessions",
    "revokeCalendarFeed",
    "receiveSmsInbound",
    "receiveSmsStatus",
    "createCredential",
    "listCredentials",
    "revokeCredential",
    "getPrefectureOutcomes",
    "exportPerson",
    "exportMe",
    "erasePerson",
    "getRetentionReview",
    "setFollowUpPlan",
    "getFollowUpPlan",
    "recordCheckIn",
    "requestTalk",
];

/// Operations that can conflict with what is stored (409): a second active link, custody
/// already recorded, another id's entry, an idempotency key in flight, an address already
/// held or a channel not configured.
const CONFLICTS: &[&str] = &[
    "createLink",
    "updateLink",
    "recordCustody",
    "upsertScheduledDate",
    "pushScheduleBatch",
    "createContactPoint",
    "createMyContactPoint",
    "createInvitation",
    "createCredential",
    "createReferral",
    "recordReferralEvent",
    "recordCheckIn",
    "confirmServiceImport",
];

/// Operations without a path parameter that still answer 404: what they name in the body or
/// query (a person, an organisation) may be one the caller may not see.
const NOT_FOUND: &[&str] = &["createReferral", "listReferrals"];

/// Operations without a body that answer 422: a query that must name something for this caller.
const UNPROCESSABLE: &[&str] = &["listReferrals"];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The published document, from the generated one.
pub fn finish(generated: &str) -> String {
    let Ok(mut document) = serde_json::from_str::<Value>(generated) else {
        return generated.to_owned();
    };
    dates(&mut document);
    let requests = request_schemas(&document);
    if let Some(schemas) = document.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        let open = flatten_variants(schemas);
        for (name, schema) in schemas.iter_mut() {
            properties(schema);
            let closed = requests.contains(name) && !open.contains(name) && schema.get("properties").is_some();
            if closed && schema.get("type") == Some(&json!("object")) {
                schema["additionalProperties"] = json!(false);
            }
        }
    }
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for operations in paths.values_mut() {
            for method in METHODS {
                if let Some(operation) = operations.get_mut(method) {
                    statuses(operation, method);
                }
            }
        }
    }
    oauth_scopes(&mut document);
    serde_json::to_string_pretty(&document).unwrap_or_else(|_| generated.to_owned())
}

fn oauth_scopes(document: &mut Value) {
    let Some(schemes) = document.pointer_mut("/components/securitySchemes").and_then(Value::as_object_mut) else {
        return;
    };
    for scheme in schemes.values_mut() {
        if let Some(flows) = scheme.get_mut("flows").and_then(Value::as_object_mut) {
            for flow in flows.values_mut().filter_map(Value::as_object_mut) {
                flow.entry("scopes").or_insert_with(|| json!({}));
            }
        }
    }
}

fn dates(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if object.get("format") == Some(&json!("naive-date")) {
                object.insert("format".into(), json!("date"));
            }
            object.values_mut().for_each(dates);
        }
        Value::Array(items) => items.iter_mut().for_each(dates),
        _ => {}
    }
}

fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get("$ref") {
                if let Some(name) = reference.strip_prefix("#/components/schemas/") {
                    found.push(name.to_owned());
                }
            }
            object.values().for_each(|value| references(value, found));
        }
        Value::Array(items) => items.iter().for_each(|value| references(value, found)),
        _ => {}
    }
}

/// The schemas a request body can contain, however deeply.
fn request_schemas(document: &Value) -> BTreeSet<String> {
    let mut todo = Vec::new();
    for operations in document["paths"].as_object().into_iter().flat_map(Map::values) {
        for method in METHODS {
            references(&operations[method]["requestBody"], &mut todo);
        }
    }
    let mut reached = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if reached.insert(name.clone()) {
            references(&document["components"]["schemas"][&name], &mut todo);
        }
    }
    reached
}

/// `allOf` made only of objects (a union variant: its tag and its fields) becomes one object.
/// Returns the variants and the objects they were made of.
fn flatten_variants(schemas: &mut Map<String, Value>) -> BTreeSet<String> {
    let mut flattened = BTreeSet::new();
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        let Some(parts) = schemas[&name].get("allOf").and_then(Value::as_array).cloned() else { continue };
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut flat = true;
        for part in &parts {
            let part = match part.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    let target = reference.trim_start_matches("#/components/schemas/");
                    flattened.insert(target.to_owned());
                    schemas.get(target).cloned().unwrap_or(Value::Null)
                }
                None => part.clone(),
            };
            if part.get("type") != Some(&json!("object")) {
                flat = false;
                break;
            }
            properties.extend(part["properties"].as_object().cloned().unwrap_or_default());
            required.extend(part["required"].as_array().cloned().unwrap_or_default());
        }
        if flat {
            let mut object = json!({"type": "object", "required": required, "properties": properties});
            if let Some(description) = schemas[&name].get("description") {
                object["description"] = description.clone();
            }
            flattened.insert(name.clone());
            schemas.insert(name, object);
        }
    }
    flattened
}

/// References unwrapped from their description wrapper; optional properties nullable.
fn properties(schema: &mut Value) {
    let required: BTreeSet<String> = schema["required"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else { return };
    for (name, property) in properties.iter_mut() {
        let optional = !required.contains(name);
        let wrapped_reference = match property.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
            Some([reference, annotation]) if annotation.get("$ref").is_none() => reference.get("$ref").cloned(),
            Some([reference]) => reference.get("$ref").cloned(),
            _ => None,
        };
        let reference = wrapped_reference.or_else(|| property.get("$ref").cloned().filter(|_| optional));
        match reference {
            Some(reference) => {
                let mut wrapped = json!({"allOf": [{"$ref": reference}]});
                let description =
                    property.get("description").or_else(|| property.pointer("/allOf/1/description")).cloned();
                if let Some(description) = description {
                    wrapped["description"] = description;
                }
                if optional {
                    wrapped["nullable"] = json!(true);
                }
                *property = wrapped;
            }
            None if optional && property.get("$ref").is_none() => property["nullable"] = json!(true),
            None => {}
        }
    }
}

/// Keeps the problem statuses this operation can answer.
fn statuses(operation: &mut Value, method: &str) {
    let id = operation["operationId"].as_str().unwrap_or_default().to_owned();
    let parameters: Vec<(String, String)> = operation["parameters"]
        .as_array()
        .map(|parameters| {
            parameters
                .iter()
                .map(|p| {
                    (p["in"].as_str().unwrap_or_default().to_owned(), p["name"].as_str().unwrap_or_default().to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let body = operation.get("requestBody").is_some();
    // Every operation writes (its audit line, if nothing else), so any may find the database
    // unable to take writes (503).
    let mut can = BTreeSet::from([500u16, 503]);
    if operation.get("security").is_some() {
        can.insert(401);
    }
    if body || !parameters.is_empty() {
        can.insert(400);
    }
    if parameters.iter().any(|(place, _)| place == "path") {
        can.insert(404);
    }
    if body {
        // A body that arrives too slowly (408), or while too many are in flight (503).
        can.extend([408, 413, 415, 422]);
    }
    if parameters.iter().any(|(place, name)| place == "header" && name == "If-Match") {
        can.extend([409, 412]);
    }
    let change = matches!(method, "post" | "put" | "patch" | "delete");
    if FORBIDDEN.contains(&id.as_str()) || (change && operation.get("security").is_some()) {
        can.insert(403);
    }
    if CONFLICTS.contains(&id.as_str()) {
        can.insert(409);
    }
    if NOT_FOUND.contains(&id.as_str()) {
        can.insert(404);
    }
    if UNPROCESSABLE.contains(&id.as_str()) {
        can.insert(422);
    }
    if let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) {
        responses.retain(|status, _| match status.parse::<u16>() {
            Ok(code) if code >= 400 => can.contains(&code),
            _ => true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_dates_and_optional_fields_nullable() {
        let generated = json!({
            "paths": {},
            "components": {"schemas": {"A": {"type": "object", "required": ["on"], "properties": {
                "on": {"type": "string", "format": "naive-date"},
                "until": {"type": "string", "format": "naive-date"},
                "lang": {"allOf": [{"$ref": "#/components/schemas/L"}, {"description": "d"}]}
            }}}}
        });
        let finished: Value = serde_json::from_str(&finish(&generated.to_string())).unwrap();
        let properties = &finished["components"]["schemas"]["A"]["properties"];
        assert_eq!(properties["on"], json!({"type": "string", "format": "date"}));
        assert_eq!(properties["until"]["nullable"], true);
        assert_eq!(
            properties["lang"],
            json!({"allOf": [{"$ref": "#/components/schemas/L"}], "description": "d", "nullable": true})
        );
    }

    #[test]
    fn only_the_statuses_an_operation_can_answer_stay() {
        let mut operation = json!({"operationId": "getMe", "security": [{}], "responses": {
            "200": {}, "400": {}, "401": {}, "403": {}, "404": {}, "409": {}, "412": {}, "413": {}, "422": {}, "500": {}
        }});
        statuses(&mut operation, "get");
        let kept: Vec<&String> = operation["responses"].as_object().unwrap().keys().collect();
        assert_eq!(kept, ["200", "401", "500"]);
    }
}
