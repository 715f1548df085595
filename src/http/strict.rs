//! JSON types and formats as the schema says them, checked before a body is parsed so that a
//! refusal names the field. poem-openapi reads a JSON `false` or `12` into a `String` field as
//! `"false"` or `"12"`, and says of a bad date only that some `string_naive-date` failed; the
//! published schema says `type: string` and `format: date`, so such a body is refused (422)
//! naming the field and the form it needs.

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef, Registry},
    types::Type,
};
use serde_json::Value;

/// The field (dotted path) and why, for the first value whose JSON type the schema refuses.
pub fn check<T: Type>(value: &Value) -> Result<(), (String, String)> {
    let mut registry = Registry::new();
    T::register(&mut registry);
    walk(value, &T::schema_ref(), &registry, "body")
}

fn resolve<'a>(schema: &'a MetaSchemaRef, registry: &'a Registry) -> Option<&'a MetaSchema> {
    match schema {
        MetaSchemaRef::Inline(schema) => Some(schema),
        MetaSchemaRef::Reference(name) => registry.schemas.get(name),
    }
}

fn walk(value: &Value, schema: &MetaSchemaRef, registry: &Registry, at: &str) -> Result<(), (String, String)> {
    let Some(schema) = resolve(schema, registry) else { return Ok(()) };
    for part in &schema.all_of {
        walk(value, part, registry, at)?;
    }
    if let Some(discriminator) = &schema.discriminator {
        let tag = value.get(discriminator.property_name).and_then(Value::as_str);
        let chosen = discriminator.mapping.iter().find(|(name, _)| Some(name.as_str()) == tag);
        if let Some((_, reference)) = chosen {
            let name = reference.trim_start_matches("#/components/schemas/").to_owned();
            walk(value, &MetaSchemaRef::Reference(name), registry, at)?;
        }
        return Ok(());
    }
    let refuse = |expected: &str| Err((at.to_owned(), format!("expected {expected}")));
    match (schema.ty, value) {
        ("string", Value::String(text)) => match schema.format {
            Some("naive-date") if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() => {
                refuse("a date such as 2026-04-01")
            }
            Some("date-time") if chrono::DateTime::parse_from_rfc3339(text).is_err() => {
                refuse("an RFC 3339 date and time such as 2026-04-01T09:00:00Z")
            }
            Some("uuid") if uuid::Uuid::parse_str(text).is_err() => refuse("a UUID"),
            _ => Ok(()),
        },
        ("boolean", Value::Bool(_)) | ("number", Value::Number(_)) | ("integer", Value::Number(_)) => Ok(()),
        ("string", _) => refuse("a string"),
        ("boolean", _) => refuse("true or false"),
        ("number" | "integer", _) => refuse("a number"),
        ("array", Value::Array(items)) => match &schema.items {
            Some(item) => {
                for (index, value) in items.iter().enumerate() {
                    walk(value, item, registry, &format!("{at}[{index}]"))?;
                }
                Ok(())
            }
            None => Ok(()),
        },
        ("object", Value::Object(fields)) => {
            for (name, property) in &schema.properties {
                match fields.get(*name) {
                    // An optional field may be null: it is left out, or cleared.
                    None | Some(Value::Null) => {}
                    Some(value) => {
                        let field = if at == "body" { (*name).to_owned() } else { format!("{at}.{name}") };
                        walk(value, property, registry, &field)?;
                    }
                }
            }
            Ok(())
        }
        // Anything else (a missing object, a null body) is the parser's to refuse.
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::Object;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Object)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }

    #[derive(Debug, Object)]
    #[allow(dead_code)]
    struct Outer {
        note: Option<String>,
        inners: Vec<Inner>,
    }

    #[test]
    fn a_boolean_or_number_is_no_string() {
        assert!(check::<Outer>(&json!({"note": "ok", "inners": [{"name": "a"}]})).is_ok());
        assert!(check::<Outer>(&json!({"note": null, "inners": []})).is_ok());
        assert_eq!(check::<Outer>(&json!({"note": false, "inners": []})).unwrap_err().0, "note");
        assert_eq!(check::<Outer>(&json!({"inners": [{"name": 12}]})).unwrap_err().0, "inners[0].name");
    }

    #[derive(Debug, Object)]
    #[allow(dead_code)]
    struct Dated {
        on: chrono::NaiveDate,
        id: Option<uuid::Uuid>,
    }

    #[test]
    fn a_bad_date_or_id_is_refused_by_its_field_name() {
        assert!(check::<Dated>(&json!({"on": "2026-04-01"})).is_ok());
        let (field, why) = check::<Dated>(&json!({"on": "nope"})).unwrap_err();
        assert_eq!((field.as_str(), why.contains("naive")), ("on", false));
        assert_eq!(check::<Dated>(&json!({"on": "2026-04-01", "id": "x"})).unwrap_err().0, "id");
    }
}
