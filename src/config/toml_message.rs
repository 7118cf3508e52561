//! The TOML parser's messages, made to say what to fix in offerdeck's words.

/// toml's messages are good but mention serde's wording; make the common ones say what to fix.
pub(super) fn tidy(message: &str, key: Option<&str>) -> String {
    let message = message.trim().to_string();
    if message.contains("recursion limit") {
        return "a key or table nested deeper than the TOML parser follows (its recursion limit); no offerdeck key is nested like that".into();
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return format!(
            "unknown key {rest}; check the spelling (see the README's config reference)"
        );
    }
    // A value of the wrong type: say what the key wants, the way it is written.
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        let got = message.split(',').next().unwrap_or(&message);
        if let Some((key, wants)) = key.and_then(|k| expected(k).map(|w| (k, w))) {
            return format!("{key} must be {wants} ({got})");
        }
    }
    message
}

/// What a key's value must look like, for the message of a value of the wrong type.
fn expected(key: &str) -> Option<&'static str> {
    Some(match key {
        "poll_interval" | "poll_interval_max" | "connect_timeout" | "request_timeout"
        | "retry_budget" | "refresh" | "sas_min_validity" => {
            "a duration in quotes, like \"15s\", \"2m\" or \"1h 30m\""
        }
        "max_retries" => "a whole number ≥ 0 (at most 10)",
        "concurrency" | "max_concurrency" => "a whole number from 1 to 256",
        "bell" | "ascii" | "no_color" | "read_only" | "mouse" | "clipboard" | "desktop" => {
            "true or false"
        }
        "notification_emails" => "a list of addresses in quotes, like [\"ops@contoso.com\"]",
        "base_url" | "api_version" | "version" | "tree_version" | "schema_host" | "token_env"
        | "token_command" | "tenant_id" | "client_id" | "client_secret_env" | "authority"
        | "resource" | "publisher" | "offer" | "backend" | "webhook_url" | "command" => {
            "text in quotes"
        }
        _ => return None,
    })
}
