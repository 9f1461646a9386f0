//! Every key the lab knows, in one table (the help overlay is drawn from it), and the
//! bytes a key sends to the shell pane.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// (keys, what they do in English, in Korean).
pub const HELP: &[(&str, &str, &str)] = &[
    (
        "↑ ↓  Enter",
        "browser: choose a lesson, open it (resumes where you left off)",
        "목록: 레슨 고르기, 열기 (멈춘 곳부터 이어서)",
    ),
    (
        "type",
        "browser: filter lessons by id, title, track or topic",
        "목록: 아이디, 제목, 트랙, 주제로 거르기",
    ),
    (
        "Esc",
        "clear the filter; in a lesson: back to the lessons",
        "필터 지우기; 레슨에서는 목록으로",
    ),
    ("n  →", "next step", "다음 단계"),
    ("p  ←", "previous step", "이전 단계"),
    (
        "Enter",
        "run the step (quiz: submit the chosen answer)",
        "단계 실행 (퀴즈: 고른 답 제출)",
    ),
    ("a b c …", "quiz: choose an answer", "퀴즈: 답 고르기"),
    (
        "h",
        "next hint (for the check that fails first)",
        "다음 힌트 (실패한 검사에 맞춘 힌트 먼저)",
    ),
    (
        "s",
        "show and run the solution (asks first)",
        "풀이 보기와 실행 (먼저 묻습니다)",
    ),
    (
        "r",
        "reset the lesson (asks first)",
        "레슨 초기화 (먼저 묻습니다)",
    ),
    (
        "Tab",
        "move focus: lesson → panels → shell",
        "포커스 이동: 레슨 → 패널 → 셸",
    ),
    (
        "Ctrl-]  F6",
        "leave the shell pane (all other keys go to the shell)",
        "셸 창에서 나오기 (다른 키는 모두 셸로)",
    ),
    (
        "1 2 3 4",
        "panels: Proc, Cgroup, Trace, Cluster",
        "패널: Proc, Cgroup, Trace, Cluster",
    ),
    (
        "i",
        "RBAC: build a request in the Cluster panel",
        "RBAC: Cluster 패널에서 요청 만들기",
    ),
    (
        "↑↓ ←→ Enter",
        "builder: field, choice or typing, ⇄ who-can, Esc back",
        "빌더: 항목, 고르기·입력, ⇄ who-can, Esc로 나가기",
    ),
    (
        "↑ ↓ PgUp PgDn",
        "scroll the focused pane",
        "포커스된 창 스크롤",
    ),
    (
        "Space",
        "Raft (Cluster panel, on a Raft step): play / pause",
        "Raft (Raft 단계의 Cluster 패널): 재생 / 일시 정지",
    ),
    (
        ".  ,",
        "Raft: step one tick · deliver one message",
        "Raft: 한 tick 진행 · 메시지 하나 전달",
    ),
    ("+  -", "Raft: faster · slower", "Raft: 빠르게 · 느리게"),
    (
        "[  ]",
        "Raft: scrub the timeline one tick back · forward again",
        "Raft: 타임라인을 한 tick 뒤로 · 다시 앞으로",
    ),
    (
        "{  }",
        "Raft: to the previous · next election or fault",
        "Raft: 이전 · 다음 선거나 장애로",
    ),
    (
        "c",
        "Raft: crash the selected node, or restart it",
        "Raft: 고른 노드를 죽이기, 또는 다시 시작",
    ),
    (
        "i",
        "Raft: isolate the selected node (partition), or heal",
        "Raft: 고른 노드를 고립 (네트워크 분할), 또는 복구",
    ),
    (
        "x",
        "Raft: drop the next message on the selected node's link",
        "Raft: 고른 노드 링크의 다음 메시지 버리기",
    ),
    (
        "w",
        "Raft: a client request (propose) to the selected node",
        "Raft: 고른 노드에 클라이언트 요청 (propose)",
    ),
    ("v", "Raft: force a split vote", "Raft: 표 갈림 일으키기"),
    (
        "1-9  ← →",
        "Raft, Cluster panel focused (Tab): select a node",
        "Raft, Cluster 패널에 포커스 (Tab): 노드 고르기",
    ),
    ("?", "this help", "이 도움말"),
    (
        "q  Ctrl-C",
        "quit (asks while a container runs; tears everything down)",
        "종료 (컨테이너가 돌고 있으면 묻고, 모두 정리)",
    ),
];

/// True for the keys that leave the shell pane: Ctrl-] (which terminals send as 0x1d,
/// reported as Ctrl-5) and F6.
pub fn leaves_shell(k: &KeyEvent) -> bool {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    matches!(k.code, KeyCode::F(6)) || (ctrl && matches!(k.code, KeyCode::Char(']' | '5')))
}

/// The bytes a terminal would send for `k`, for the shell's PTY.
pub fn to_bytes(k: &KeyEvent) -> Vec<u8> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    let mut out = Vec::new();
    if alt {
        out.push(0x1b);
    }
    match k.code {
        KeyCode::Char(c) if ctrl => {
            let b = c.to_ascii_lowercase() as u32;
            match c {
                'a'..='z' | 'A'..='Z' => out.push((b as u8) & 0x1f),
                ' ' | '@' | '2' => out.push(0),
                '[' | '3' => out.push(0x1b),
                '\\' | '4' => out.push(0x1c),
                '^' | '6' => out.push(0x1e),
                '_' | '7' => out.push(0x1f),
                _ => {}
            }
        }
        KeyCode::Char(c) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        KeyCode::Enter => out.push(b'\r'),
        KeyCode::Backspace => out.push(0x7f),
        KeyCode::Tab => out.push(b'\t'),
        KeyCode::BackTab => out.extend_from_slice(b"\x1b[Z"),
        KeyCode::Esc => out.push(0x1b),
        KeyCode::Up => out.extend_from_slice(b"\x1b[A"),
        KeyCode::Down => out.extend_from_slice(b"\x1b[B"),
        KeyCode::Right => out.extend_from_slice(b"\x1b[C"),
        KeyCode::Left => out.extend_from_slice(b"\x1b[D"),
        KeyCode::Home => out.extend_from_slice(b"\x1b[H"),
        KeyCode::End => out.extend_from_slice(b"\x1b[F"),
        KeyCode::Delete => out.extend_from_slice(b"\x1b[3~"),
        KeyCode::Insert => out.extend_from_slice(b"\x1b[2~"),
        KeyCode::PageUp => out.extend_from_slice(b"\x1b[5~"),
        KeyCode::PageDown => out.extend_from_slice(b"\x1b[6~"),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn keys_become_terminal_bytes() {
        assert_eq!(
            to_bytes(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            [3]
        );
        assert_eq!(to_bytes(&key(KeyCode::Enter, KeyModifiers::NONE)), b"\r");
        assert_eq!(
            to_bytes(&key(KeyCode::Char('한'), KeyModifiers::NONE)),
            "한".as_bytes()
        );
        assert_eq!(to_bytes(&key(KeyCode::Up, KeyModifiers::NONE)), b"\x1b[A");
        assert!(leaves_shell(&key(
            KeyCode::Char(']'),
            KeyModifiers::CONTROL
        )));
        assert!(leaves_shell(&key(KeyCode::F(6), KeyModifiers::NONE)));
        assert!(!leaves_shell(&key(KeyCode::Char(']'), KeyModifiers::NONE)));
    }
}
