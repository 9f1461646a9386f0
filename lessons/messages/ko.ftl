# contlab의 문장, 한국어. 여기의 메시지마다 en.ftl에 같은 id와 같은 변수를 가진 짝이
# 있습니다. 없으면 src/i18n의 테스트가 실패합니다.
# 값 뒤의 조사는 JOSA($값, "이/가")로 고릅니다. 값이 무엇이든 맞는 조사가 붙습니다.

## contlab doctor: 공통 해결 방법

doctor-fix-run-as-root = contlab을 root로 실행하십시오. 예: sudo contlab doctor
doctor-fix-mount-proc = /proc을 마운트하십시오(mount -t proc proc /proc). contlab은 모든 정보를 /proc에서 읽습니다
doctor-fix-host-or-vm-delegate = contlab을 호스트나 VM에서 실행하거나, 부모 cgroup이 이 컨트롤러를 위임하게 하십시오

## contlab doctor: 보고서

doctor-fix-label = 해결: { $fix }
doctor-live-available = 라이브 모드: 사용할 수 있습니다
doctor-live-unavailable = 라이브 모드: 사용할 수 없습니다 { $dash } { $fix }

## contlab doctor: 권한

doctor-title-root = root
doctor-title-capabilities = 권한(capability)
doctor-root-ok = root로 실행 중입니다(uid 0)
doctor-root-capable = uid { $uid }이지만, CapEff에 contlab이 쓰는 capability가 모두 있습니다
doctor-root-uid = uid { JOSA($uid, "으로/로") } 실행 중이며 root가 아닙니다
doctor-caps-unreadable = /proc/self/status를 읽을 수 없습니다: { $error }
doctor-caps-ok = CapEff에 { $known }개 중 { $held }개가 있으며, contlab에 필요한 것은 모두 있습니다
doctor-caps-lacking = CapEff에 다음이 없습니다: { $caps }
doctor-fix-caps-in-container = capability를 덜어 낸 컨테이너가 아니라, 호스트나 VM에서 contlab을 root로 실행하십시오
doctor-sys-resource-ok = CapEff에 있습니다
doctor-sys-resource-not-bounding = CapBnd에 없습니다(일부 VM은 이를 뺍니다). rlimit을 hard limit보다 높일 수 없지만, contlab에는 필요하지 않습니다
doctor-sys-resource-not-effective = CapEff에 없습니다. rlimit을 hard limit보다 높일 수 없지만, contlab에는 필요하지 않습니다
cap-purpose-sys-admin = 네임스페이스 생성, mount, pivot_root, setns, sethostname
cap-purpose-net-admin = netlink로 만드는 veth 쌍, 브리지, 주소
cap-purpose-sys-chroot = chroot 레슨
cap-purpose-setuid = uid_map 쓰기와 컨테이너 안에서의 사용자 전환
cap-purpose-setgid = gid_map 쓰기와 컨테이너 안에서의 그룹 전환
cap-purpose-dac-override = root 소유의 cgroup 파일과 상태 쓰기
cap-purpose-kill = 다른 사용자로 도는 컨테이너 프로세스에 시그널 보내기
cap-purpose-sys-ptrace = /proc/PID/ns 읽기와 컨테이너의 네임스페이스 합류

## contlab doctor: 커널

doctor-title-kernel = 커널
doctor-kernel-ok = Linux { $release }
doctor-kernel-old = Linux { $release }: time 네임스페이스가 들어온 { $want }보다 오래되었습니다
doctor-fix-kernel-old = Linux { $want } 이후 버전으로 부팅하십시오. 그때까지 time 네임스페이스 단계는 건너뜁니다
doctor-kernel-unknown = /proc/sys/kernel/osrelease에서 커널 릴리스를 알아낼 수 없습니다({ $release })
doctor-overlay-registered = /proc/filesystems에 overlay가 있습니다
doctor-overlay-module = overlay 모듈이 설치되어 있어, 처음 마운트할 때 적재됩니다(modprobe overlay)
doctor-overlay-missing = overlay 파일시스템이 없습니다. 이미지 레이어 레슨에 필요합니다
doctor-fix-overlay-missing = `modprobe overlay`로 적재하거나, CONFIG_OVERLAY_FS를 넣어 빌드한 커널로 부팅하십시오

## contlab doctor: 네임스페이스

doctor-title-ns = { $name } 네임스페이스
doctor-ns-works = unshare({ $flag })가 동작합니다{ $knobs }
doctor-ns-failed = unshare({ $flag })가 실패했습니다: { $error }{ $knobs }
doctor-ns-fork-failed = fork가 실패했습니다: { $error }
doctor-ns-probe-killed = 확인용 프로세스가 시그널로 종료되었습니다: { $signal }
doctor-ns-waitpid-failed = waitpid가 실패했습니다: { $error }
doctor-fix-ns-enospc = 개수 제한을 늘리십시오: sysctl -w user.max_{ $name }_namespaces=10000
doctor-fix-ns-einval = { $config } 옵션을 넣어 빌드한 커널로 부팅하십시오(지금 커널에는 없습니다)
doctor-fix-userns-max-zero = user 네임스페이스를 허용하십시오: sysctl -w user.max_user_namespaces=10000
doctor-fix-userns-unprivileged = 일반 사용자에게 허용하거나(sysctl -w kernel.unprivileged_userns_clone=1), root로 실행하십시오
doctor-fix-userns-apparmor = AppArmor가 일반 사용자의 user 네임스페이스를 막고 있습니다. contlab을 root로 실행하십시오(sudo)
doctor-fix-ns-root-refused = 이곳에서는 root도 네임스페이스를 만들 수 없습니다(컨테이너나 seccomp 정책이 막고 있습니다). contlab을 호스트나 VM에서 실행하십시오
doctor-fix-ns-other = unshare(2) 매뉴얼에서 이 오류를 찾아보십시오({ $error }). 이 레슨에는 { JOSA($flag, "이/가") } 필요합니다

## contlab doctor: cgroup

doctor-title-cgroup = cgroup 구성
doctor-cgroup-mountinfo-unreadable = /proc/self/mountinfo를 읽을 수 없습니다: { $error }
doctor-cgroup-no-controller = 컨트롤러 없음
doctor-cgroup-v2 = v2: { $mount }의 cgroup2(컨트롤러: { $controllers })
doctor-cgroup-hybrid = hybrid: v1 계층 { $count }개, 그리고 { $mount }의 cgroup2(컨트롤러: { $controllers })
doctor-cgroup-v1 = v1: 계층 { $count }개
doctor-cgroup-none = 마운트된 cgroup 파일시스템이 없습니다
doctor-fix-cgroup-none = cgroup2를 마운트하십시오: mount -t cgroup2 cgroup2 /sys/fs/cgroup
doctor-cgroup-v1-writable = { $mount }의 v1 계층, 쓰기 가능
doctor-cgroup-v1-read-only = { $mount }의 v1 계층이 읽기 전용으로 마운트되어 있습니다
doctor-fix-cgroup-remount = 읽기-쓰기로 다시 마운트하거나(mount -o remount,rw { $mount }), contlab을 호스트나 VM에서 실행하십시오
doctor-cgroup-v1-denied = 이 사용자는 { $mount }의 v1 계층에 쓸 수 없습니다
doctor-cgroup-v2-enabled = { $mount }의 cgroup2, cgroup.subtree_control에서 켜져 있음
doctor-cgroup-v2-denied = { $mount }의 cgroup2가 { $name } 컨트롤러를 제공하지만, 이곳에서는 쓸 수 없습니다
doctor-fix-cgroup-v2-denied = cgroup2 루트에 쓸 수 있는 호스트나 VM에서 contlab을 root로 실행하십시오
doctor-cgroup-v2-internal = { $mount }의 cgroup2가 { $name } 컨트롤러를 제공하지만, 프로세스를 담고 있어 자식 cgroup에 이 컨트롤러를 켤 수 없습니다
doctor-fix-cgroup-v2-internal = contlab을 호스트나 VM에서 실행하거나, 이 cgroup의 프로세스를 자식 cgroup으로 옮기십시오
doctor-cgroup-v2-enable-able = { $mount }의 cgroup2가 이 컨트롤러를 제공합니다. contlab이 cgroup.subtree_control에서 켭니다
doctor-cgroup-disabled = 커널에서 { $name } 컨트롤러가 꺼져 있습니다(/proc/cgroups: enabled 0)
doctor-fix-cgroup-disabled = 커널 명령줄에 cgroup_enable={ JOSA($name, "을/를") } 넣고(cgroup_disable={ JOSA($name, "은/는") } 빼고) 재부팅하십시오
doctor-cgroup-v2-not-offered = { $mount }의 cgroup2 루트가 { $name } 컨트롤러를 제공하지 않습니다
doctor-cgroup-v1-missing = { $name } 컨트롤러를 가진 cgroup 계층이 마운트되어 있지 않습니다
doctor-fix-cgroup-v1-missing = 이 컨트롤러의 v1 계층을 마운트하십시오: mount -t cgroup -o { $name } cgroup <빈 디렉터리>

## contlab doctor: 도구

doctor-busybox-static = { $found }, 정적 링크
doctor-busybox-dynamic = { $found }: 동적으로 링크되어 있어, libc가 없는 레슨 루트 파일시스템에서 실행되지 않습니다
doctor-busybox-not-elf = { $path }: contlab이 읽을 수 있는 ELF 파일이 아닙니다
doctor-busybox-missing = PATH에 없습니다. 레슨 루트 파일시스템을 이것으로 만듭니다
doctor-fix-busybox-static = 정적 busybox를 설치하십시오(Debian/Ubuntu: apt install busybox-static)
doctor-crun-hybrid = { $found }. 이 머신의 cgroup v1 hybrid 구성을 거부하므로, 비교에는 runc를 씁니다
doctor-crun-hybrid-missing = 설치되어 있지 않습니다(선택 사항이며, 이 머신과 같은 cgroup v1 hybrid 구성은 어차피 거부합니다)
doctor-etcd-missing = 설치되어 있지 않습니다(선택 사항: Raft 레슨이 이것으로 실제 etcd 클러스터를 돌립니다)
doctor-tool-missing = 설치되어 있지 않습니다(선택 사항: 레슨이 contlab을 { JOSA($name, "와/과") } 비교합니다)

## contlab doctor: 터미널

doctor-title-terminal-size = 터미널 크기
doctor-title-color = 색
doctor-terminal-small = { $size }: 실습 화면의 패널에 필요한 { $need }보다 작습니다
doctor-fix-terminal-small = 창을 { $need } 이상으로 키우십시오
doctor-terminal-no-size = 터미널이 크기를 알려 주지 않습니다
doctor-terminal-none = 터미널에서 실행되지 않았습니다
doctor-color-no-color = NO_COLOR가 설정되어 있어, 색 없이 실행합니다
doctor-color-dumb = TERM이 없거나 dumb이어서, 색 없이 실행합니다
doctor-utf8-no-locale = LC_ALL, LC_CTYPE, LANG이 모두 없음
doctor-utf8-missing = { $locale }: 실습 화면의 상자 그리기 문자와 ✓ 표시에는 UTF-8이 필요합니다

## contlab list, progress: 레슨의 상태 (JSON에는 new, started, done 그대로)

status-new = 시작 전
status-started = 진행 중
status-done = 완료
list-none = 레슨이 없습니다.
list-minutes = { $minutes }분

## contlab progress export (읽기용)

export-heading = { $student }의 진행 상황, { $exported }에 내보냄(contlab { $version })
export-no-lesson = 아직 시작한 레슨이 없습니다.
export-steps = { $total }단계 중 { $passed }단계 통과
export-started = 시작 { $time }
export-done = 완료 { $time }
export-attempts = { $count }회 시도
export-passed = 통과 { $time }
export-solution-shown = 풀이 열람
export-for-instructor = 강사에게 낼 파일: contlab progress export --json > { $student }.json

## contlab class report

class-col-student = 학생
class-col-lesson = 레슨
class-col-step = 단계
class-col-at = 위치
class-col-done = 완료
class-col-stuck = 막힘
class-stuck = 막힘
class-failing-heading = 가장 많이 실패하는 검사:
class-failing-none = 없음
class-failing-students = 학생 { $count }명

## contlab progress

progress-steps = { $total }단계 중 { $done }단계 통과
progress-reset-nothing = "{ $id }" 레슨에는 초기화할 진행 기록이 없습니다
progress-reset-needs-yes-one = { $id } 레슨의 진행 기록을 초기화하려면 확인이 필요합니다. --yes를 붙이십시오
progress-reset-needs-yes-all = 모든 진행 기록을 초기화하려면 확인이 필요합니다. --yes를 붙이십시오
progress-reset-ask-one = { $id } 레슨의 진행 기록을 초기화할까요?
progress-reset-ask-all = 모든 진행 기록을 초기화할까요?
progress-reset-declined = 아무것도 초기화하지 않았습니다.
progress-reset-done-one = { $id } 레슨의 진행 기록을 초기화했습니다.
progress-reset-done-all = 모든 진행 기록을 초기화했습니다.

## 검사 문장: 검사가 본 것과 기대한 것 (통과와 실패)
## 값 뒤에는 JOSA로 조사를 고르거나, 어떤 값 뒤에도 맞는 "입니다"·"의"를 씁니다.

check-could-not-observe = 관찰할 수 없습니다: { $error }
check-exit-none = 아직 끝난 명령이 없습니다
check-exit-want-code = 종료 상태 { JOSA($code, "을/를") } 기대했지만, 명령은 { $ended }
check-exit-want-signal = 명령이 SIG{ $signal } 시그널로 종료되기를 기대했지만, 명령은 { $ended }
check-exit-ok = 명령이 { $ended }
ended-killed = SIG{ JOSA($signal, "으로/로") } 종료되었습니다
ended-exited = 종료 상태 { JOSA($code, "으로/로") } 끝났습니다
ended-running = 아직 실행 중입니다
check-output-matches = 출력이 /{ $pattern }/에 맞습니다
check-output-not-matches = 출력이 /{ $pattern }/에 맞지 않습니다
check-output-want-match = 출력이 /{ $pattern }/에 맞기를 기대했지만, 출력: { $shown }
check-output-want-no-match = 출력이 /{ $pattern }/에 맞지 않기를 기대했지만, 출력: { $shown }
check-output-none = 출력 없음
check-answer-no-question = 이 단계에는 질문이 없습니다
check-answer-none = 아직 고른 답이 없습니다
check-answer-right = 정답입니다: "{ $answer }"
check-answer-wrong = 정답이 아닙니다: "{ $answer }"
check-ns-other-host = 호스트
check-ns-other-container = { $container } 컨테이너
check-ns-shares = { $name } 네임스페이스: { JOSA($container, "은/는") } { $other }의 것을 함께 씁니다({ $name }:[{ $mine }])
check-ns-own = { $name } 네임스페이스: { JOSA($container, "은/는") } 자기 것을 가집니다({ $name }:[{ $mine }], { $other }의 것은 { $name }:[{ $theirs }])
check-ns-want-own = { $container }의 { $name } 네임스페이스가 { $other }의 것과 다르기를 기대했지만, 둘 다 { $name }:[{ $mine }]입니다
check-ns-want-shared = { JOSA($container, "이/가") } { $other }의 { $name } 네임스페이스를({ $name }:[{ $theirs }]) 함께 쓰기를 기대했지만, { $name }:[{ $mine }]입니다
check-procs-want-count = { $container } 안에서 프로세스 { $want }개가 보이기를 기대했지만, { $seen }개가 보입니다
check-procs-want-max = { $container } 안에서 프로세스가 많아야 { $max }개 보이기를 기대했지만, { $seen }개가 보입니다
check-procs-want-pid1 = { $container } 안의 pid 1이 { $want }이기를 기대했지만, { $seen }입니다
check-procs-no-pid1 = { $container } 안의 pid 1이 { $want }이기를 기대했지만, pid 1이 보이지 않습니다
check-procs-ok = { $container } 안에서 프로세스 { $count }개가 보입니다
check-procs-ok-pid1 = { $container } 안에서 프로세스 { $count }개가 보입니다. pid 1은 { $pid1 }입니다
check-pid-ok = { $container }의 주 프로세스는 자기 pid 네임스페이스 안에서 pid { $pid }입니다
check-pid-want = { $container }의 주 프로세스가 안에서 pid { $want }이기를 기대했지만, pid { $pid }입니다
check-hostname-want = { $container } 안의 호스트명이 { $want }이기를 기대했지만, { $seen }입니다
check-hostname-want-differ = { $container }의 호스트명이 호스트의 것과 다르기를 기대했지만, 둘 다 { $host }입니다
check-hostname-want-host = { $container }의 호스트명이 호스트의 것({ $host })과 같기를 기대했지만, { $seen }입니다
check-hostname-ok = { $container } 안의 호스트명은 { $seen }입니다
check-uid-want = { $container } 안에서 uid { JOSA($want, "을/를") } 기대했지만, uid { $seen }입니다
check-uid-want-mapped = 안의 uid { JOSA($inside, "이/가") } 호스트에서는 다른 uid이기를 기대했지만, 호스트에서도 uid { $outside }입니다
check-uid-want-same = 안과 호스트에서 같은 uid를 기대했지만, 안에서는 { $inside }, 밖에서는 { $outside }입니다
check-uid-ok = { $container } 안의 uid { JOSA($inside, "은/는") } 호스트에서 uid { $outside }입니다
check-mount-none = { $container } 안의 { $path }에 마운트된 것이 없습니다
check-mount-private = { $container } 안의 { $path }에 마운트된 { $fstype }, 호스트에는 보이지 않습니다
check-mount-shared = { $container } 안의 { $path }에 마운트된 { $fstype }, 호스트에도 보입니다
check-mount-want-private = { $path }의 { $fstype } 마운트가 { $container } 안에만 있기를 기대했지만, 호스트에도 보입니다
check-mount-want-shared = { $path }의 { $fstype } 마운트가 호스트에도 보이기를 기대했지만, 보이지 않습니다
check-cgroup-want = { $file } 값이 { $want }이기를 기대했지만, { $seen }입니다
check-cgroup-want-min = { $file } 값이 { $min } 이상이기를 기대했지만, { $seen }입니다
check-cgroup-want-number = { $file } 값이 { $min } 이상의 수이기를 기대했지만, { $seen }입니다
check-cgroup-ok = { $file } 값은 { $value }입니다
check-member-ok = { $container }의 주 프로세스는 자기 cgroup에 있습니다
check-member-want = { $container }의 주 프로세스가 자기 cgroup에 있기를 기대했지만, 없습니다
check-oom-killed = OOM killer가 { $container }의 cgroup에서 프로세스 { $count }개를 죽였습니다
check-oom-none = { $container }의 cgroup에는 OOM kill이 없습니다
check-oom-want-kill = OOM killer가 { $container }의 프로세스를 죽이기를 기대했지만, oom_kill 횟수는 0입니다
check-oom-want-none = { $container }에 OOM kill이 없기를 기대했지만, oom_kill 횟수는 { $count }입니다
check-file-exists = { $container } 안에 { $path } 파일이 있습니다
check-file-absent = { $container } 안에 { $path } 파일이 없습니다
check-file-want = { $container } 안에 { $path } 파일이 있기를 기대했지만, 없습니다
check-file-want-none = { $container } 안에 { $path } 파일이 없기를 기대했지만, 있습니다
check-escape-none = 아직 탈출을 시도하지 않았습니다
check-escape-reached = 탈출이 호스트의 루트 디렉터리에 닿았습니다
check-escape-held = 탈출이 컨테이너의 루트 안에 머물렀습니다
check-escape-want-reach = 탈출이 호스트의 루트에 닿기를 기대했지만, 안에 머물렀습니다
check-escape-want-held = 탈출이 실패하기를 기대했지만, 호스트의 루트 디렉터리에 닿았습니다
check-raft-ok = expect { $expect }: { $detail }
check-raft-want = expect { $expect } 조건이 성립하기를 기대했지만: { $detail }
raft-leads = 노드 { $node }번이 임기 { $term }의 리더
raft-no-leader = 리더인 노드 없음
raft-holds = 맞습니다({ $summary })
raft-seen = { $detail } ({ $summary })
check-etcd-want-no-leader = 합의된 etcd 리더가 없기를 기대했지만, 멤버 { $leader }번이 리더입니다
check-etcd-want-leader = etcd 멤버들이 한 리더에 합의하기를 기대했지만, 합의하지 못했습니다
check-etcd-want-up = etcd 멤버 { $want }개가 실행 중이기를 기대했지만, { $up }개입니다
check-etcd-seen-leader = etcd 멤버 { $up }개가 실행 중이고, 멤버 { $leader }번이 리더입니다
check-etcd-seen-no-leader = etcd 멤버 { $up }개가 실행 중이고, 합의된 리더가 없습니다
check-etcd-failed = { $problems } ({ $seen })
## RBAC: 이유(reason)는 apiserver가 쓰는 문장 그대로입니다(kubectl이 보여 주는 것과 같습니다)
check-rbac-allowed = { $user }의 요청({ $verb } { $target })이 허용됩니다: { $reason }
check-rbac-denied = { $user }의 요청({ $verb } { $target })이 거부됩니다: { $reason }
check-rbac-want-allowed = { $user }의 요청({ $verb } { $target })이 허용되기를 기대했지만: { $reason }
check-rbac-want-denied = { $user }의 요청({ $verb } { $target })이 거부되기를 기대했지만: { $reason }
check-rbac-create-allowed = { $user }의 { $file } 생성이 허용됩니다: { $reason }
check-rbac-create-forbidden = { $user }의 { $file } 생성이 금지됩니다: { $reason }
check-rbac-create-want-allowed = { $user }의 { $file } 생성이 허용되기를 기대했지만: { $reason }
check-rbac-create-want-forbidden = { $user }의 { $file } 생성이 금지되기를 기대했지만: { $reason }
check-skipped = 건너뜀: { $why }
check-action-failed = 단계의 동작이 실패했습니다: { $error }
requires-etcd-missing = etcd가 설치되어 있지 않습니다: etcd와 etcdctl이 없습니다. Debian의 etcd-server와 etcd-client를 설치하십시오
requires-iptables-missing = iptables가 설치되어 있지 않습니다. 서비스의 규칙을 이 도구로 만듭니다. Debian의 iptables를 설치하십시오
requires-unknown = 알 수 없는 요구 사항 { $name }(알려진 것: etcd, iptables)

## 실습 화면의 알림

notice-shell-failed = 셸을 열 수 없습니다: { $error }
notice-error = 할 수 없습니다: { $error }
notice-engine-failed = 레슨 엔진을 시작할 수 없습니다: { $error }
notice-replay-clock-failed = 재생 시계를 시작할 수 없습니다: { $error }

## 실습이 컨테이너의 stdout에 말하는 것

breakout-escaped = 탈출: 호스트의 /에 닿았습니다. chroot가 막지 못했습니다
breakout-held = 탈출: 아직 컨테이너의 루트 안입니다. 호스트의 트리는 닿을 수 있는 곳에 없습니다

## contlab run과 contlab replay --headless
## (contlab lesson lint는 영어 그대로입니다. 레슨 작성자가 쓰는 도구입니다.)

run-unknown-lesson = 알 수 없는 레슨입니다: { $id }. `contlab list`가 레슨 목록을 보여 줍니다
run-needs-root = 레슨은 실제로 실행되므로 root가 필요합니다. `sudo contlab run …`으로 실행하십시오(root 없이는 녹화를 재생할 수 있습니다)
run-recorded = 녹화했습니다: { $path }
run-failed = 단계 { $count }개가 실패했습니다
replay-lesson-changed = 참고: 이 녹화 뒤에 레슨 { $id }의 내용이 바뀌었습니다
replay-stopped = 재생이 여기서 멈췄습니다: { $at }
replay-unfinished = 녹화가 단계 도중에 끝납니다

## the networking track's checks

net-reach-answered = { $from } 파드가 { $ip }의 { $to } 파드에 닿았습니다. 응답: "{ $body }"
net-reach-silent = { $from } 파드가 { $ip }의 { $to } 파드에서 4초 안에 응답을 받지 못했습니다.
net-reach-expected-answer = { $to } 파드가 자기 이름으로 응답해야 합니다.
net-reach-expected-silence = 응답이 없어야 합니다.
net-link-missing = 노드의 네트워크 네임스페이스에 { $link } 링크가 없습니다.
net-link-up = up 상태
net-link-down = down 상태
net-link-port = { $master } 브리지의 포트
net-link-no-port = 어느 브리지에도 속하지 않은 링크
net-link-seen = { $link } 링크는 { $state }이고 { $port }입니다.
net-link-expected = 기대한 상태는 { $expected }입니다.
net-spread-seen = { $service } 서비스로 보낸 요청 { $requests }개: { $shares }, 응답 없음 { $unanswered }개입니다. 공정한 무작위 선택이라면 모든 요청이 응답을 받고 각 엔드포인트가 { $low }개에서 { $high }개 사이를 받습니다.

# cluster dns

dns-resolve-answered = { $name } { $qtype } 질의의 응답: { $answers } (TTL { $ttl }초).
dns-resolve-none = { $name } { $qtype } 질의에 레코드 없이 { $rcode } 응답이 왔습니다.
dns-resolve-expected-answers = 기대한 응답: { $answers }.
dns-resolve-expected-nxdomain = 없는 이름이라는 NXDOMAIN 응답을 기대했습니다.
dns-resolve-expected-ttl = TTL { $ttl }초를 기대했습니다.
dns-log-none = DNS 서버는 아직 { $name } 조회를 받지 않았습니다.
dns-log-seen = { $client } 주소에서 보낸 { $name } 마지막 조회는 질의 { $queries }개였습니다: { $list }.
dns-log-expected-queries = 질의 { $queries }개를 기대했습니다.
dns-log-expected-answer = 응답 가운데 주소가 담긴 A 레코드를 기대했습니다.
dns-log-expected-no-answer = 응답 가운데 주소가 없기를 기대했습니다.
