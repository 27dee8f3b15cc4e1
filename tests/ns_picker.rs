//! `kubectl ns`'s picker driven as a user drives it: in a real terminal
//! (a private tmux server), against the local control plane. Esc and Ctrl-C
//! must exit 130, change nothing and leave the terminal as it was.

mod support;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use honban::kubeconfig::Kubeconfig;
use support::{eventually, testenv};

const PROMPT: &str = "Switch namespace";

/// Runs argv[2:], writes how it ended to argv[1], then holds the pane open.
const RECORD_EXIT: &str = "import os, subprocess, sys, time
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1] + '.tmp', 'w') as f:
    f.write(str(code))
os.replace(sys.argv[1] + '.tmp', sys.argv[1])
time.sleep(600)
";

/// One tmux server of its own (its socket in a temp dir), killed on drop.
struct Terminal {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Terminal {
    /// Starts `kubectl-ns` in a 100x30 pane. A python3 parent records how it
    /// ended (its exit code, or minus the signal that killed it) and then keeps
    /// the pane open, so the terminal is read as the program left it.
    fn start_ns() -> Terminal {
        let env = testenv();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("config");
        fs::copy(&env.kubeconfig, &kubeconfig).unwrap();
        let used = Command::new(&env.kubectl)
            .args(["config", "use-context", "testenv-admin", "--kubeconfig"])
            .arg(&kubeconfig)
            .output()
            .unwrap();
        assert!(used.status.success());
        let conf = dir.path().join("tmux.conf");
        fs::write(&conf, "set -g status off\n").unwrap();
        let t = Terminal { dir, kubeconfig };
        let out = t
            .tmux()
            .arg("-f")
            .arg(&conf)
            .args([
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                "100",
                "-y",
                "30",
                "--",
            ])
            .args(["env", "-u", "HONBAN_NO_PICKER"])
            .arg(format!("KUBECONFIG={}", t.kubeconfig.display()))
            .arg(format!(
                "XDG_CACHE_HOME={}",
                t.dir.path().join("cache").display()
            ))
            .args(["python3", "-c", RECORD_EXIT])
            .arg(t.status_file())
            .arg(support::bin("kubectl-ns"))
            .output()
            .unwrap();
        assert_ok(&out, "tmux new-session");
        t
    }

    fn status_file(&self) -> PathBuf {
        self.dir.path().join("status")
    }

    fn tmux(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-S").arg(self.dir.path().join("sock"));
        cmd
    }

    fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        assert_ok(&out, "tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn pane(&self, format: &str) -> String {
        let out = self
            .tmux()
            .args(["display-message", "-p", "-t", "t", format])
            .output()
            .unwrap();
        assert_ok(&out, "tmux display-message");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn keys(&self, keys: &[&str]) {
        let out = self
            .tmux()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .output()
            .unwrap();
        assert_ok(&out, "tmux send-keys");
    }

    fn wait_for_picker(&self, namespace: &str) {
        assert!(
            eventually(Duration::from_secs(30), || {
                let s = self.screen();
                s.contains(PROMPT) && s.contains(namespace)
            }),
            "the picker never showed {namespace}:\n{}",
            self.screen()
        );
    }

    /// How the program ended: its exit code, or minus the signal that killed it.
    fn wait_for_exit(&self) -> String {
        assert!(
            eventually(Duration::from_secs(30), || self.status_file().exists()),
            "kubectl-ns did not exit:\n{}",
            self.screen()
        );
        fs::read_to_string(self.status_file()).unwrap()
    }

    fn namespace(&self) -> Option<String> {
        let kc = Kubeconfig::load(Some(&self.kubeconfig)).unwrap();
        kc.context("testenv-admin").unwrap().namespace
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Cancels the picker with `key` and checks what the user is left with.
fn cancel_with(key: &str) {
    let mine = testenv().namespace("ns-pick");
    let term = Terminal::start_ns();
    let before = term.namespace();
    term.wait_for_picker(&mine.name);
    // The cursor is hidden while the picker is drawn.
    assert_eq!(term.pane("#{cursor_flag}"), "0");
    term.keys(&[key]);
    let status = term.wait_for_exit();
    let screen = term.screen();
    assert_eq!(
        status, "130",
        "{key} must exit 130 (a negative number is the signal that killed it); screen:\n{screen}"
    );
    assert_eq!(term.pane("#{cursor_flag}"), "1", "cursor left hidden");
    assert_eq!(
        term.pane("#{alternate_on}"),
        "0",
        "alternate screen left on"
    );
    assert!(
        !screen.contains(PROMPT) && !screen.contains(&mine.name),
        "the picker is still drawn:\n{screen}"
    );
    assert_eq!(term.namespace(), before, "{key} changed the namespace");
}

fn require_tmux() {
    let found = Command::new("tmux").arg("-V").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "these tests drive the picker in tmux: install tmux"
    );
}

#[test]
fn escape_exits_130_and_restores_the_terminal() {
    require_tmux();
    cancel_with("Escape");
}

#[test]
fn ctrl_c_exits_130_and_restores_the_terminal() {
    require_tmux();
    cancel_with("C-c");
}

#[test]
fn enter_switches_to_the_filtered_namespace() {
    require_tmux();
    let mine = testenv().namespace("ns-pick");
    let term = Terminal::start_ns();
    term.wait_for_picker(&mine.name);
    term.keys(&["-l", &mine.name]);
    assert!(
        eventually(Duration::from_secs(10), || {
            term.screen()
                .lines()
                .any(|l| l.contains(PROMPT) && l.contains(&mine.name))
        }),
        "the filter was not typed:\n{}",
        term.screen()
    );
    term.keys(&["Enter"]);
    assert_eq!(term.wait_for_exit(), "0", "{}", term.screen());
    assert_eq!(term.namespace().as_deref(), Some(mine.name.as_str()));
    assert!(!term.screen().contains(PROMPT), "{}", term.screen());
}
