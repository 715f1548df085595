//! A real browser for the page tests: Debian's Chromium, headless, driven through chromedriver
//! (W3C WebDriver, with fantoccini), and axe-core to check each page's accessibility. When
//! either is missing the browser tests are skipped with a line saying so.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "chromedriver";
/// Where `.ci/run` installs axe-core from the npm registry; `TSUNAGU_AXE_JS` may name another.
const AXE_DEFAULT: &str = ".ci/node/node_modules/axe-core/axe.min.js";

pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1280, 900);

fn axe_path() -> PathBuf {
    std::env::var_os("TSUNAGU_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(AXE_DEFAULT))
}

/// Why the browser half cannot run here, if it cannot.
pub fn missing() -> Option<String> {
    if !std::path::Path::new(CHROMIUM).exists() {
        return Some(format!("{CHROMIUM} is not installed (Debian package chromium)"));
    }
    let driver = Command::new(CHROMEDRIVER).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !driver.is_ok_and(|status| status.success()) {
        return Some("chromedriver is not installed (Debian package chromium-driver)".into());
    }
    if !axe_path().exists() {
        return Some(format!("axe-core is not at {} (npm install --prefix .ci/node axe-core)", axe_path().display()));
    }
    None
}

/// One headless Chromium behind its own chromedriver; both end with it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A browser window of `size`, with JavaScript on or off.
    pub async fn start(size: (u32, u32), javascript: bool) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        // chromedriver says when it listens; read its first lines until it does.
        let stdout = driver.stdout.take().expect("chromedriver's output");
        let ready = tokio::task::spawn_blocking(move || {
            use std::io::BufRead;
            std::io::BufReader::new(stdout)
                .lines()
                .take(20)
                .map_while(Result::ok)
                .any(|line| line.contains("started successfully"))
        })
        .await
        .unwrap_or(false);
        assert!(ready, "chromedriver did not start");
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--lang=ja",
        ]
        .iter()
        .map(|arg| arg.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={},{}", size.0, size.1));
        let mut options = json!({"binary": CHROMIUM, "args": args});
        if !javascript {
            options["prefs"] = json!({"profile.managed_default_content_settings.javascript": 2});
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&url)
            .await
            .unwrap_or_else(|err| panic!("chromedriver did not start Chromium: {err}"));
        Browser { client, driver, _profile: profile }
    }

    /// A headless window is all page: its size is the page's viewport.
    pub async fn resize(&self, size: (u32, u32)) {
        self.client.set_window_size(size.0, size.1).await.expect("set the window size");
    }

    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|err| panic!("open {url}: {err}"));
    }

    pub async fn text(&self) -> String {
        self.client.find(Locator::Css("body")).await.expect("a body").text().await.expect("its text")
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap_or_else(|err| panic!("{css}: {err}"));
        field.clear().await.ok();
        field.send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("{css}: {err}"))
            .click()
            .await
            .expect("click");
    }

    /// Unfolds the `<details>` that holds what `css` names, as tapping its heading would.
    pub async fn unfold(&self, css: &str) {
        let script =
            "const d = document.querySelector(arguments[0]).closest('details'); if (d) { d.open = true; } return true;";
        self.client.execute(script, vec![css.into()]).await.unwrap_or_else(|err| panic!("{css}: {err}"));
    }

    /// Chooses an option of a `<select>` by its value.
    pub async fn select(&self, css: &str, value: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap_or_else(|err| panic!("{css}: {err}"));
        field.select_by_value(value).await.unwrap_or_else(|err| panic!("{css} = {value}: {err}"));
    }

    /// Sets a date field as a date picker would (typing into one depends on the browser's locale).
    pub async fn set_date(&self, css: &str, date: &str) {
        let script = "document.querySelector(arguments[0]).value = arguments[1]; return true;";
        self.client.execute(script, vec![css.into(), date.into()]).await.unwrap_or_else(|err| panic!("{css}: {err}"));
    }

    /// Clicks what submits a form or follows a link, and waits until the browser is at `url`
    /// (a form's answer may come after the click returns).
    pub async fn click_to(&self, css: &str, url: &str) {
        self.click(css).await;
        let expected = url::Url::parse(url).expect("a URL");
        self.client
            .wait()
            .at_most(std::time::Duration::from_secs(20))
            .for_url(&expected)
            .await
            .unwrap_or_else(|err| panic!("after {css}, never at {url}: {err}"));
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.expect("the current URL").path().to_owned()
    }

    /// The page fits the window's width: nothing to scroll sideways.
    pub async fn assert_no_horizontal_overflow(&self) {
        let widths = self
            .client
            .execute("return [document.documentElement.scrollWidth, window.innerWidth]", vec![])
            .await
            .expect("measure the page");
        assert!(
            widths[0].as_u64() <= widths[1].as_u64(),
            "the page is wider than the window: {widths} at {}",
            self.path().await
        );
    }

    /// Every control a thumb aims at is at least 44 × 44 CSS px: buttons, fields, folded
    /// headings, the bar's links, and links that stand on their own (in a list or a paragraph
    /// of their own). A link inside a sentence is not a target of its own; a checkbox's target
    /// is its label.
    pub async fn assert_tap_targets(&self) {
        let script = r#"
            const small = [];
            const targets = document.querySelectorAll(
                'button, summary, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), ' +
                'label.check, .bar a, ul.plain a, main > p > a');
            for (const element of targets) {
                const box = element.getBoundingClientRect();
                if (box.width === 0 && box.height === 0) continue; // folded away or hidden
                if (element.closest('.sr')) continue;
                if (box.height < 44 || box.width < 44) {
                    small.push(`${element.tagName.toLowerCase()} "${element.textContent.trim().slice(0, 30)}" ${Math.round(box.width)}×${Math.round(box.height)}`);
                }
            }
            return small;"#;
        let small = self.client.execute(script, vec![]).await.expect("measure the targets");
        let small = small.as_array().cloned().unwrap_or_default();
        assert!(small.is_empty(), "tap targets under 44 × 44 px at {}: {small:?}", self.path().await);
    }

    /// Every resource the page loaded came from `origin`.
    pub async fn assert_same_origin_only(&self, origin: &str) {
        let loaded = self
            .client
            .execute("return performance.getEntriesByType('resource').map(e => e.name)", vec![])
            .await
            .expect("list what the page loaded");
        for url in loaded.as_array().into_iter().flatten().filter_map(Value::as_str) {
            assert!(url.starts_with(origin), "{} loaded {url} from another origin", self.path().await);
        }
    }

    /// axe-core finds nothing serious or critical on the page.
    pub async fn assert_accessible(&self) {
        let axe = std::fs::read_to_string(axe_path()).expect("read axe-core");
        self.client.execute(&format!("{axe}\nreturn true;"), vec![]).await.expect("load axe-core into the page");
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))));",
                vec![],
            )
            .await
            .expect("run axe-core");
        let found: Vec<String> = serde_json::from_value(found).unwrap_or_default();
        assert!(found.is_empty(), "accessibility problems on {}: {found:#?}", self.path().await);
    }

    /// A screenshot, written where `TSUNAGU_SCREENSHOTS` says (default `target/screenshots`).
    pub async fn screenshot(&self, name: &str) {
        let dir = std::env::var_os("TSUNAGU_SCREENSHOTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"));
        std::fs::create_dir_all(&dir).expect("a screenshot folder");
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
