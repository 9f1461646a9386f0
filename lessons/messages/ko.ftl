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
doctor-iptables-missing = 설치되어 있지 않습니다(네트워킹 강의는 이것으로 서비스의 kube-proxy 규칙을 만듭니다)
doctor-title-nat = nat 테이블
doctor-nat-ok = iptables가 새 네트워크 네임스페이스의 nat 테이블을 보여 줍니다
doctor-nat-failed = iptables가 새 네트워크 네임스페이스에서 nat 테이블을 쓸 수 없습니다: { $error }
doctor-fix-nat = nat 모듈을 올리거나(modprobe iptable_nat nf_nat) CONFIG_NF_NAT로 빌드한 커널로 부팅하십시오
doctor-nat-not-root = 확인하지 않았습니다. 네트워크 네임스페이스를 만들려면 root가 필요합니다
doctor-nat-no-iptables = 확인하지 않았습니다. iptables가 설치되어 있지 않습니다
doctor-conntrack-ok = 커널이 연결을 추적합니다(nf_conntrack). conntrack 도구는 설치되어 있지 않습니다(선택: apt install conntrack)
doctor-conntrack-ok-tool = 커널이 연결을 추적하고(nf_conntrack) conntrack 도구도 설치되어 있습니다
doctor-conntrack-missing = nf_conntrack이 올라와 있지 않습니다. 서비스 응답의 NAT를 되돌리는 것이 바로 이것입니다
doctor-nft-missing = 설치되어 있지 않습니다(선택: kube-proxy의 nftables 모드는 설명만 하고 실행하지 않습니다)

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
requires-podman-missing = podman 또는 conmon이 설치되어 있지 않습니다. 이 단계는 podman을 실제로 실행합니다. Debian의 podman과 conmon을 설치하십시오
requires-unknown = 알 수 없는 요구 사항 { $name }(알려진 것: etcd, iptables, podman, kubectl)

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
net-spread-seen = { $service } 서비스로 보낸 요청 { $requests }개: { $shares }, 응답 없음 { $unanswered }개입니다. { $bound }
net-spread-bound-fair = 공정한 무작위 선택이라면 모든 요청이 응답을 받고 각 엔드포인트가 { $low }개에서 { $high }개 사이를 받습니다.
net-spread-bound-exact = 라운드 로빈이라면 모든 요청이 응답을 받고 각 엔드포인트가 정확히 { $each }개를 받습니다.
net-affinity-seen = { $from }에서 { $service } 서비스로 보낸 요청 { $requests }개: { $shares }, 응답 없음 { $unanswered }개입니다.
net-affinity-expected = 모든 요청이 같은 엔드포인트 하나에서 응답을 받아야 합니다. sessionAffinity: ClientIP 설정은 한 클라이언트를 한 파드에 묶어 둡니다.
net-rule-found = 노드의 nat 테이블에 `{ $what }` 모양의 줄이 { $count }개 있습니다. 첫 줄: { $rule }
net-rule-none = 노드의 nat 테이블에 `{ $what }` 모양의 줄이 없습니다.
net-rule-expected-present = 이 줄이 있어야 합니다.
net-rule-expected-gone = 이 줄이 없어야 합니다.

# containers track tasks
check-link-none = { $container }에 { $link } 링크가 없습니다
check-link-up = up 상태
check-link-down = down 상태
check-link-no-addr = 주소 없음
check-link-seen = { $container }의 { $link } 링크는 { $state }이고, 주소는 { $addrs }입니다
check-link-want-state = { $link } 링크가 { $want }이기를 기대했습니다
check-link-want-addr = { $link } 링크에 주소 { JOSA($addr, "이/가") } 있기를 기대했습니다
process-pid = 자기 pid 네임스페이스에서 pid { $pid }
process-own-ns = 자기만의 { $ns } 네임스페이스
process-same-ns = { $container }의 { $ns } 네임스페이스
process-uid = 자기 사용자 네임스페이스에서 uid { $uid }
check-process-ok = { $comm } (NSpid { $nspid }): { $facts }
check-process-want = { $comm } (NSpid { $nspid }): { $facts }. 기대한 것은 { $want }입니다
check-process-none = { $container }의 /proc에 { $comm } 프로세스가 없습니다
check-hand-none = 랩 cgroup 아래에 { $name } cgroup이 아직 없습니다
check-hand-seen = { $path }: { $facts }
hand-no-shell = 이 cgroup에 들어갈 호스트 셸이 열려 있지 않습니다
hand-shell-in = 셸(pid { $pid })이 cgroup.procs에 있습니다
hand-shell-out = 셸(pid { $pid })이 cgroup.procs에 없습니다. cgroup.procs에는 [{ $procs }]이 있습니다
hand-limit = { $file } 값은 { $value }입니다
hand-limit-want = { $file } 값은 { $value }이지만, 기대한 값은 { $want }입니다
hand-oom = OOM killer가 이 cgroup에서 프로세스 { $count }개를 죽였습니다
hand-oom-want = OOM killer가 이 cgroup에서 아직 아무것도 죽이지 않았습니다. kill을 기대했습니다
hand-oom-none = OOM killer가 이 cgroup에서 아무것도 죽이지 않았습니다
hand-exists = 있습니다. 커널이 만든 인터페이스 파일도 함께 있습니다
process-ppid = 부모 pid { $pid }
process-own-proc = 자기 /proc은 따로 마운트한 procfs
process-same-proc = 자기 /proc은 { $container }의 procfs
process-child-userns = { $container }의 user 네임스페이스 안에서 만든 user 네임스페이스
process-not-child-userns = { $container }의 user 네임스페이스 안에서 만든 user 네임스페이스가 아님
check-sysv-none = { $container }의 IPC 네임스페이스에 권한이 { $perms }인 메시지 큐가 없습니다
check-sysv-private = { $container }의 IPC 네임스페이스에 권한이 { $perms }인 메시지 큐가 있고, 호스트의 IPC 네임스페이스에는 없습니다
check-sysv-shared = { $container }의 IPC 네임스페이스에 권한이 { $perms }인 메시지 큐가 있고, 호스트의 IPC 네임스페이스에도 있습니다

## 학생이 일으킬 수 있는 오류: 운영체제 오류(errno의 이름은 그대로 둡니다)

errno-EPERM = 허용되지 않는 작업입니다(EPERM)
errno-EACCES = 권한이 없습니다(EACCES)
errno-ENOENT = 그런 파일이나 디렉터리가 없습니다(ENOENT)
errno-EEXIST = 이미 있습니다(EEXIST)
errno-EBUSY = 자원이 사용 중이라 바꿀 수 없습니다(EBUSY)
errno-EINVAL = 커널이 잘못된 값이라며 거부했습니다(EINVAL)
errno-ENOSPC = 남은 공간이나 항목이 없습니다(ENOSPC)
errno-ENOMEM = 메모리가 부족합니다(ENOMEM)
errno-ESRCH = 그런 프로세스가 없습니다(ESRCH)
errno-EAGAIN = 자원이 잠시 모자랍니다. 다시 시도하십시오(EAGAIN)
errno-ENOTDIR = 디렉터리가 아닙니다(ENOTDIR)
errno-EISDIR = 디렉터리입니다(EISDIR)
errno-EROFS = 읽기 전용 파일시스템입니다(EROFS)
errno-ENOEXEC = 실행할 수 있는 형식이 아닙니다(ENOEXEC)
errno-E2BIG = 인자 목록이 너무 깁니다(E2BIG)
errno-ECHILD = 기다릴 자식 프로세스가 없습니다(ECHILD)
errno-ENOTEMPTY = 디렉터리가 비어 있지 않습니다(ENOTEMPTY)
errno-ELOOP = 심볼릭 링크가 너무 많이 이어집니다(ELOOP)
errno-EOPNOTSUPP = 지원하지 않는 작업입니다(EOPNOTSUPP)
errno-EADDRINUSE = 주소가 이미 쓰이고 있습니다(EADDRINUSE)
errno-ECONNREFUSED = 연결이 거부되었습니다(ECONNREFUSED)
errno-EPIPE = 받는 쪽이 닫혔습니다(EPIPE)
errno-EMFILE = 열린 파일이 너무 많습니다(EMFILE)
errno-other = 커널이 { $name } 오류(번호 { $number })를 돌려주었습니다
error-untranslated = (세부 내용, 영어: { $detail })

## 학생이 일으킬 수 있는 오류: 컨테이너, 명령, 컨테이너 설정

error-command-not-found = 컨테이너의 루트 파일시스템에 { $command } 명령이 없습니다
error-exec-not-found = 컨테이너의 루트 파일시스템에 { $command } 명령이 없습니다(또는 그 인터프리터나 라이브러리가 없습니다)
error-exec-not-executable = 컨테이너 안에서 { $command } 명령을 실행할 권한이 없습니다
error-exec-bad-format = { $command } 명령은 이 커널이 실행할 수 있는 프로그램이 아닙니다
error-exec-failed = 컨테이너 안에서 { $command } 명령을 실행할 수 없습니다
error-command-nul = 명령에 NUL 바이트가 들어 있습니다
error-argument-nul = 인자에 NUL 바이트가 들어 있습니다
error-env-nul = 환경 변수에 NUL 바이트가 들어 있습니다
error-init-gone = 컨테이너의 init(pid { $pid })이 사라졌습니다. 컨테이너가 멈췄습니다
error-ns-gone = { JOSA($path, "을/를") } 열 수 없습니다. 컨테이너가 멈췄습니까?
error-root-gone = 컨테이너의 루트 디렉터리를 열 수 없습니다. 컨테이너가 멈췄습니까?
error-container-not-running = 컨테이너 { JOSA($id, "은/는") } 실행 중이 아닙니다
error-exec-not-running = 컨테이너 { JOSA($id, "은/는") } 실행 중이 아닙니다. exec은 실행 중인 컨테이너에서만 할 수 있습니다
error-no-command = 명령이 없습니다. 컨테이너에서 실행할 것을 지정하십시오
error-no-init = 컨테이너에 init 프로세스가 없습니다
error-init-died = 컨테이너의 init이 준비 도중 죽었습니다
error-spec-pivot-needs-mount = pivot_root에는 마운트 네임스페이스가 필요합니다. 네임스페이스에 "mount"를 더하거나, chroot 또는 host 루트 파일시스템 방식을 쓰십시오
error-spec-hostname-needs-uts = 호스트명을 정하려면 UTS 네임스페이스가 필요합니다(없으면 호스트의 이름이 바뀝니다). 네임스페이스에 "uts"를 더하십시오
error-spec-hostname-length = 호스트명 { $hostname }의 길이는 1자에서 64자 사이여야 합니다
error-spec-map-needs-user = uid/gid 매핑에는 사용자 네임스페이스가 필요합니다. 네임스페이스에 "user"를 더하십시오
error-spec-map-empty = uid/gid 매핑은 적어도 id 하나를 포함해야 합니다
error-spec-veth-needs-net = veth 쌍에는 네트워크 네임스페이스가 필요합니다. 네임스페이스에 "net"을 더하십시오
error-spec-join-needs-ns = { $path }의 { $ns } 네임스페이스에 합류하려면 네임스페이스에 "{ $ns }"도 있어야 합니다
error-spec-cwd-relative = 작업 디렉터리 { JOSA($path, "은/는") } 절대 경로여야 합니다

## 학생이 일으킬 수 있는 오류: cgroup 파일

error-cgroup-file-other-layout = { $dir }의 { $file }에 { JOSA($value, "을/를") } 쓸 수 없습니다. 이 기계의 cgroup에는 그 파일이 없습니다. cgroup { $layout }에서는 같은 제한이 { $other }입니다
error-cgroup-file-missing = { $dir }의 { $file }에 { JOSA($value, "을/를") } 쓸 수 없습니다. 이 커널에는 그 파일이 없습니다. 이 제한을 쓰기에는 커널이 너무 오래되었을 수 있습니다
error-cgroup-bad-value = { $dir }의 { $file }에 { JOSA($value, "을/를") } 쓸 수 없습니다. 커널이 받지 않는 값입니다. 다른 값을 고르십시오
error-cgroup-below-usage = { $dir }의 { $file }에 { JOSA($value, "을/를") } 쓸 수 없습니다. cgroup이 이미 그보다 많이 쓰고 있습니다. 더 큰 값을 고르십시오
error-cgroup-not-writable = { $dir }의 { $file }에 { JOSA($value, "을/를") } 쓸 수 없습니다. cgroup이 읽기-쓰기로 마운트된 기계에서 contlab을 root로 실행하십시오
error-cgroup-write = { $dir }의 { $file }에 { JOSA($value, "을/를") } 쓸 수 없습니다. 이유는 커널 로그(dmesg)에서 확인하십시오
error-cgroup-process-gone = 프로세스 { JOSA($pid, "을/를") } cgroup { $dir }에 옮길 수 없습니다. 그 프로세스는 이미 없습니다. 다시 시작하십시오
error-cgroup-no-controller = 이 컨테이너에는 { $controller } 컨트롤러가 있는 cgroup이 없습니다
error-cgroup-no-swap-accounting = 메모리와 스왑을 합쳐 제한할 수 없습니다. 이 커널은 스왑을 집계하지 않으므로(swapaccount=1로 부팅하십시오) 스왑 제한을 걸 수 없습니다. 그 제한을 빼십시오

## 학생이 일으킬 수 있는 오류: OCI 번들과 런타임 명령

error-oci-unsupported = config.json: 아직 지원하지 않습니다: { $what }
error-oci-version = config.json: ociVersion { JOSA($version, "은/는") } contlab이 읽는 런타임 명세의 버전이 아닙니다(1.x, 예: "1.0.2")
error-oci-json = config.json:{ $line }: 올바른 JSON이 아닙니다: { $detail }
error-oci-version-missing = config.json: ociVersion이 없습니다
error-oci-field = config.json:{ $line }: 명세에 맞지 않는 값입니다: { $detail }
error-oci-no-rootfs = 루트 파일시스템(root.path) { JOSA($path, "이/가") } 없습니다. 예를 들어 다음처럼 만드십시오: `contlab rootfs build --out { $path }`
error-oci-no-args = config.json: process.args가 비어 있습니다. 실행할 것을 지정하십시오
error-oci-cwd-relative = config.json: process.cwd { JOSA($path, "은/는") } 절대 경로여야 합니다
error-oci-ns-twice = config.json: `linux.namespaces`에 { $ns } 네임스페이스가 두 번 있습니다
error-oci-needs-mount = config.json: linux.maskedPaths와 linux.readonlyPaths에는 `linux.namespaces`의 "mount" 항목이 필요합니다. 없으면 호스트의 경로가 바뀝니다
error-oci-map-needs-user = config.json: uid/gid 매핑에는 `linux.namespaces`의 "user" 항목이 필요합니다
error-oci-user-needs-map = config.json: 새 사용자 네임스페이스에는 linux.uidMappings와 linux.gidMappings가 필요합니다
error-oci-hostname-needs-uts = config.json: 호스트명에는 `linux.namespaces`의 "uts" 항목이 필요합니다
error-oci-rlimit-soft-above-hard = config.json: process.rlimits { $name }: soft limit { JOSA($soft, "이/가") } hard limit { $hard }보다 높습니다
error-oci-swappiness = config.json: linux.resources.memory.swappiness { JOSA($value, "이/가") } 0과 100 사이가 아닙니다
error-oci-blkio-weight = config.json: { $field }의 { JOSA($weight, "은/는") } 블록 I/O 가중치가 아닙니다. 10에서 1000 사이를 쓰십시오
error-oci-blkio-device = config.json: { JOSA($field, "이/가") } 가리키는 블록 장치 { JOSA($device, "은/는") } 이 기계에 없습니다. /sys/block/*/dev에 있는 디스크의 MAJOR:MINOR를 쓰십시오
error-cgroup-rt-budget = { $dir }의 cpu.rt_runtime_us에 { JOSA($value, "을/를") } 쓸 수 없습니다. 커널은 주기보다, 또는 부모 cgroup이 내준 것보다 많은 실시간 시간을 받지 않습니다({ $parent }/cpu.rt_runtime_us 값은 { $budget }). 부모에게 먼저 예산을 주십시오
error-cgroup-no-device = { $dir }의 { $file }에 { JOSA($value, "을/를") } 쓸 수 없습니다. 커널에 그 MAJOR:MINOR인 디스크 전체가 없습니다(디스크의 분할 영역은 안 됩니다). /sys/block/*/dev에 있는 것을 쓰십시오
warn-cgroup-v2-no-rt = config.json: linux.resources.cpu.realtimePeriod와 realtimeRuntime은 runc처럼 무시합니다. cgroup v2에는 실시간 그룹 제한이 없습니다
error-oci-seccomp-no-listener = config.json: SCMP_ACT_NOTIFY에는 linux.seccomp.listenerPath가 필요합니다. 리스너를 받을 에이전트의 유닉스 소켓입니다
error-oci-seccomp-notify-default = config.json: linux.seccomp.defaultAction은 SCMP_ACT_NOTIFY일 수 없습니다. 컨테이너 프로세스가 자기 리스너를 알리기도 전에 그 리스너를 기다리게 됩니다(runc도 거부합니다)
error-oci-seccomp-notify-write = config.json: { $what }: write에는 SCMP_ACT_NOTIFY를 쓸 수 없습니다. 컨테이너 프로세스는 write로 리스너를 알리는데, 그 write가 바로 그 리스너를 기다리게 됩니다(runc도 거부합니다)
error-oci-seccomp-listener = seccomp 리스너를 { $path }(linux.seccomp.listenerPath)로 보낼 수 없습니다. 에이전트가 그곳에서 듣고 있습니까?
warn-oci-kernel-memory = config.json: linux.resources.memory의 kernel과 kernelTCP 설정은 무시합니다. 커널이 커널 메모리 제한을 폐기했습니다
error-oci-cgroups-path = config.json: linux.cgroupsPath { JOSA($path, "은/는") } cgroup 경로가 아닙니다. "/PARENT/NAME"(계층의 루트 아래)이나 "PARENT/NAME"(contlab의 cgroup 아래)을 쓰되 "."이나 ".." 부분은 쓸 수 없습니다
error-oci-rootfs-propagation = config.json: linux.rootfsPropagation { JOSA($value, "은/는") } private, rprivate, slave, rslave, shared, rshared, unbindable, runbindable 중 어느 것도 아닙니다
error-oci-map-one-sided = config.json: linux.uidMappings와 linux.gidMappings는 함께 있어야 합니다. 둘 다 주거나 둘 다 빼십시오
error-oci-mount-symlink = { $dest }에는 일반 디렉터리에만 마운트할 수 있습니다(must be mounted on ordinary directory). 루트 파일시스템의 { JOSA($at, "이/가") } 심볼릭 링크이며, /proc이나 /sys의 마운트는 심볼릭 링크를 따라가면 안 됩니다
error-oci-cap-not-bounding = config.json: process.capabilities.{ $set }에 있는 { JOSA($cap, "은/는") } bounding 집합에 없습니다(올리려 하면 EPERM, Operation not permitted로 실패합니다). process.capabilities.bounding에 더하거나 빼십시오
error-oci-rlimit-unknown = config.json: process.rlimits: 알 수 없는 제한 { $name }입니다
error-oci-mount-destination = config.json: mounts[{ $index }].destination { JOSA($path, "은/는") } '..'이 없는 절대 경로여야 합니다
error-oci-mount-source = config.json: mounts[{ $index }].source { JOSA($path, "이/가") } 없습니다
error-oci-bind-no-source = config.json: mounts[{ $index }]은 source가 없는 bind 마운트입니다
error-oci-mount-no-type = config.json: mounts[{ $index }]에 type이 없습니다(proc, tmpfs, sysfs, bind, …)
error-oci-spec-exists = { JOSA($path, "이/가") } 이미 있습니다. 먼저 지우십시오
error-oci-terminal-needs-socket = config.json에 process.terminal = true가 있습니다. --console-socket PATH(터미널을 받을 유닉스 소켓)를 주거나, terminal을 false로 하십시오
error-oci-socket-needs-terminal = --console-socket은 터미널이 있는 컨테이너에만 씁니다. config.json에서 process.terminal = true로 하십시오
error-oci-start-not-created = 컨테이너 { JOSA($id, "을/를") } 시작할 수 없습니다. 상태가 created가 아니라 { $status }입니다
error-oci-start-init-gone = 컨테이너 { JOSA($id, "을/를") } 시작할 수 없습니다. 그 init이 더는 기다리고 있지 않습니다(죽었습니다)
error-oci-kill-stopped = 컨테이너 { $id }에 시그널을 보낼 수 없습니다. 이미 멈췄습니다
error-oci-delete-running = 컨테이너 { JOSA($id, "을/를") } 지울 수 없습니다. { $status ->
        [paused] 일시 정지 상태입니다
       *[other] 실행 중입니다
    }. 먼저 kill하거나 --force를 쓰십시오
error-oci-exec-stopped = 컨테이너 { $id }에서 exec할 수 없습니다. 이미 멈췄습니다
error-oci-exec-paused = 컨테이너 { $id }에서 exec할 수 없습니다. 일시 정지된 컨테이너입니다(resume하거나, --ignore-paused를 붙이면 재개된 뒤에 명령이 실행됩니다)
error-unknown-signal = 알 수 없는 시그널 { $signal }입니다. TERM이나 KILL 같은 이름이나 번호를 쓰십시오
error-update-stopped = 컨테이너 { JOSA($id, "을/를") } 갱신할 수 없습니다. 멈춘 컨테이너입니다
error-update-no-cgroup = 컨테이너 { $id }에는 갱신할 cgroup이 남아 있지 않습니다
error-update-no-controller = 컨테이너 { JOSA($id, "을/를") } 갱신할 수 없습니다. cgroup에 { $controller } 컨트롤러가 없습니다(cgroup v1에서는 linux.resources.cpu.cpus나 mems를 정한 번들에만 cpuset cgroup을 만듭니다)
error-update-resources = 자원 JSON { JOSA($file, "을/를") } 읽을 수 없습니다
error-update-resources-value = 자원 JSON의 { $field } 값이 { $value }입니다. 숫자여야 합니다
error-update-no-rt = 컨테이너 { $id }: cgroup에 실시간 CPU 제한(cpu.rt_period_us, cpu.rt_runtime_us)이 없습니다(CONFIG_RT_GROUP_SCHED로 빌드한 커널의 cgroup v1에만 있습니다). 그 제한을 빼십시오
error-update-no-weight = 컨테이너 { $id }: { $controller } cgroup에 { $file } 파일이 없습니다(디스크의 I/O 스케줄러가 그런 가중치를 주지 않습니다. BFQ나 CFQ가 줍니다). 가중치를 빼십시오
error-update-rdt = { $flag }: contlab은 Intel RDT(resctrl)를 다루지 않습니다. 이 플래그를 빼십시오
error-blkio-weight-range = 블록 I/O 가중치 { JOSA($weight, "은/는") } 범위를 벗어났습니다. 10에서 1000 사이를 쓰십시오
warning-update-kernel-memory = 커널 메모리 설정은 무시되며 앞으로 없어질 예정입니다
error-invalid-id = 컨테이너 id { JOSA($id, "이/가") } 올바르지 않습니다. 영문자, 숫자, "_", "+", ",", "-", "."로 된 1~{ $max }자를 쓰십시오. "."과 ".."은 안 되고 "/"도 쓸 수 없습니다(runc의 규칙)
error-container-exists = 컨테이너 { JOSA($id, "이/가") } 이미 있습니다
error-container-missing = 컨테이너 { JOSA($id, "이/가") } 없습니다

## 학생이 일으킬 수 있는 오류: 레슨 단계, 클러스터, 노드

error-rbac-not-loaded = 불러온 RBAC 객체가 없습니다. rbac-load 단계가 먼저 와야 합니다
error-rbac-not-loaded-file = 불러온 RBAC 객체가 없습니다. rbac-load 단계가 먼저 와야 합니다({ $file } 읽는 중)
error-no-raft-cluster = `expect { $expect }`의 결과를 확인할 수 없습니다. 이 레슨에는 Raft 클러스터가 없습니다
error-no-etcd-cluster = 이 레슨에는 etcd 클러스터가 없습니다(먼저 시작하십시오)
error-no-node-request = { $from }에서 { JOSA($to, "으로/로") } 요청을 보낼 수 없습니다. 이 레슨에는 노드가 없습니다
error-no-node-link = { $link } 링크를 볼 수 없습니다. 이 레슨에는 노드가 없습니다
error-no-node-rules = 노드의 nat 테이블을 읽을 수 없습니다. 이 레슨에는 노드가 없습니다
error-no-node-requests = { $from }에서 { $service } 서비스로 요청 { $n }개를 보낼 수 없습니다. 이 레슨에는 노드가 없습니다
error-raft-no-node = 노드 { $node }번은 없습니다
error-etcd-already-running = 레슨의 etcd 클러스터가 이미 실행 중입니다
error-etcd-not-running = 이 레슨에서 실행 중인 etcd 클러스터가 없습니다(먼저 시작하십시오)
error-etcd-not-installed = etcd가 설치되어 있지 않습니다. etcd와 etcdctl이 없습니다. Debian의 etcd-server와 etcd-client를 설치하십시오
error-raft-script-line = raft 스크립트 { $line }번째 줄이 잘못되었습니다: { $detail }
error-raft-header-late = `nodes`와 `config`는 클러스터가 생기기 전(첫 단계)에만 쓸 수 있습니다
error-etcd-members = 여기의 etcd 클러스터는 멤버가 1개에서 7개입니다. { $members }개는 안 됩니다
error-node-exists = 이 레슨에는 이미 노드가 있습니다. 레슨 하나는 노드를 하나만 만듭니다
error-command-failed = { $command } 명령이 실패했습니다({ $status }): { $output }
error-container-did-not-stop = 컨테이너가 10초 안에 멈추지 않았습니다
error-iptables-missing = iptables가 없습니다. 설치하십시오(Debian과 Ubuntu: apt-get install iptables)
error-service-no-endpoints = { $service } 서비스에 엔드포인트가 없습니다. kube-proxy가 그 트래픽을 거부합니다. 파드를 적어도 하나 주십시오
error-service-name = 서비스 이름 { JOSA($name, "은/는") } 쓸 수 없습니다. 소문자, 숫자, '-'로 된 1자에서 15자까지의 DNS 레이블을 쓰되 소문자로 시작하고 '-'로 끝나지 않아야 합니다(kube-proxy의 체인 이름이 iptables의 28자에 들어가야 합니다)
error-service-no-node-port = { $service } 서비스에는 노드 포트가 없습니다. net-service에 node_port를 주십시오
error-pod-exists = 이 노드에는 이미 { $name } 파드가 있습니다
error-pod-web-not-listening = 파드의 웹 서버가 2초 안에 80번 포트에서 기다리기 시작하지 않았습니다
error-pod-network-full = 파드 네트워크 { JOSA($cidr, "이/가") } 가득 찼습니다(파드 { $pods }개). 더 짧은 prefix를 쓰십시오
error-pod-name = 파드 이름 { JOSA($name, "은/는") } 쓸 수 없습니다. 소문자, 숫자, '-'로 1자에서 10자까지 쓰되 '-'는 양 끝에 둘 수 없습니다
error-pod-cidr-prefix = 파드 네트워크 { $cidr }의 prefix 길이가 8..30 밖입니다. 10.244.1.0/24 같은 범위를 쓰십시오
error-pod-cidr-not-network = 파드 네트워크 { JOSA($cidr, "은/는") } 네트워크 주소가 아닙니다. { JOSA($network, "으로/로") } 쓰십시오
error-pod-cidr-overlap = 파드 네트워크 { JOSA($cidr, "이/가") } 호스트의 { $route } 경로(dev { $dev })와 겹칩니다. 호스트가 쓰지 않는 범위를 고르십시오(예: 10.244.1.0/24)

## 학생이 일으킬 수 있는 오류: 제한, 사용자, 컨테이너 만들기

error-memory-invalid = 메모리 제한 { JOSA($value, "은/는") } 올바르지 않습니다. 64M처럼 숫자 뒤에 K, M, G를 붙이거나 숫자만 쓰십시오
error-memory-too-large = 메모리 제한 { JOSA($value, "은/는") } 너무 큽니다. 64M처럼 숫자 뒤에 K, M, G를 붙이거나 숫자만 쓰십시오
error-memory-zero = 메모리 제한 { JOSA($value, "으로/로") }는 메모리가 하나도 남지 않습니다. 64M처럼 숫자 뒤에 K, M, G를 붙이거나 숫자만 쓰십시오
error-cpu-invalid = CPU 제한 { JOSA($value, "은/는") } 올바르지 않습니다. 0.5나 2 같은 CPU 개수를 쓰십시오
error-cpu-zero = CPU 제한 { JOSA($value, "으로/로") }는 컨테이너가 전혀 실행되지 못합니다. 0.5나 2 같은 CPU 개수를 쓰십시오
error-cpu-below-min = CPU 제한 { JOSA($value, "은/는") } 커널의 최솟값 0.01 CPU보다 작습니다. 0.5나 2 같은 CPU 개수를 쓰십시오
error-cpu-too-large = CPU 제한 { JOSA($value, "은/는") } 너무 큽니다. 0.5나 2 같은 CPU 개수를 쓰십시오
error-pids-invalid = 프로세스 수 제한 { JOSA($value, "은/는") } 올바르지 않습니다. 20처럼 1 이상의 정수로 프로세스 수를 쓰십시오
error-pids-too-large = 프로세스 수 제한 { JOSA($value, "은/는") } 너무 큽니다. 20처럼 1 이상의 정수로 프로세스 수를 쓰십시오
error-pids-zero = 프로세스 수 제한 { JOSA($value, "으로/로") }는 컨테이너의 첫 프로세스조차 만들 수 없습니다. 20처럼 1 이상의 정수로 프로세스 수를 쓰십시오
error-pids-above-max = 프로세스 수 제한 { JOSA($value, "은/는") } 커널의 최댓값 { $max }보다 큽니다. 20처럼 1 이상의 정수로 프로세스 수를 쓰십시오
error-rlimit-set = 자원 제한 { JOSA($resource, "을/를") } 설정할 수 없습니다
error-user-groups = 추가 그룹을 설정할 수 없습니다(process.user.additionalGids)
error-user-gid = gid { JOSA($gid, "으로/로") } 바꿀 수 없습니다(process.user.gid)
error-user-uid = uid { JOSA($uid, "으로/로") } 바꿀 수 없습니다(process.user.uid)
error-rootfs-missing = 루트 파일시스템 { JOSA($path, "이/가") } 없습니다. `sudo contlab rootfs build`로 만드십시오
error-clone-eperm = clone이 네임스페이스 만들기를 거부했습니다(EPERM). contlab을 root로 실행하십시오
error-clone-enospc = clone이 거부했습니다. 어떤 종류의 네임스페이스 수가 한도에 이르렀습니다(ENOSPC). /proc/sys/user/max_*_namespaces를 보십시오
error-clone-failed = 컨테이너의 init 프로세스를 만들 수 없습니다
error-cgroup-parent-invalid = cgroup 부모 { JOSA($parent, "이/가") } 올바르지 않습니다. 보통 이름으로 된 상대 경로를 쓰십시오(".."과 빈 부분은 안 됩니다)
error-cgroup-name-invalid = cgroup 이름 { JOSA($name, "이/가") } 올바르지 않습니다. 1~255바이트로 쓰되 "."과 ".."은 안 되고 "/"와 제어 문자도 쓸 수 없습니다
error-cgroup-bpf-load = 커널이 장치 규칙 { $rules }개(cgroup v2의 linux.resources.devices)로 만든 eBPF 장치 프로그램을 거부했습니다: { $log }
error-cgroup-bpf-attach = eBPF 장치 프로그램을 cgroup { $dir }에 붙일 수 없습니다
error-cgroup-none = 마운트된 cgroup 파일시스템이 없습니다. 하나를 마운트하고(예: `mount -t cgroup2 none /sys/fs/cgroup`) 다시 시도하십시오

## 명령이 끝난 방식과 닿은 제한

exit-code = 종료 상태 { JOSA($code, "으로/로") } 끝났습니다
exit-code-oom = 종료 상태 { JOSA($code, "으로/로") } 끝났습니다(OOM killer가 프로세스를 죽였습니다)
exit-signal = { $signal } 시그널로 죽었습니다
exit-signal-oom = { $signal } 시그널로 죽었습니다(OOM killer가 프로세스를 죽였습니다)
exit-ended = 끝났습니다
exit-ended-oom = 끝났습니다(OOM killer가 프로세스를 죽였습니다)
sandbox-oom-limit = OOM killer가 죽였습니다. 메모리 제한 { $limit }에 닿았습니다
sandbox-oom = OOM killer가 죽였습니다. cgroup의 메모리 제한에 닿았습니다
sandbox-pids-hit = 프로세스 수 제한 { $max }에 닿았습니다. fork { $refused }번이 거부되었습니다

## 학생이 일으킬 수 있는 오류: 레슨의 컨테이너, 셸, 풀이 명령

error-container-no-cgroup-hint = 이 컨테이너에는 cgroup이 없습니다(시작할 때 제한을 주십시오)
error-container-no-cgroup = 이 컨테이너에는 cgroup이 없습니다
error-lesson-no-container = 이 레슨에서 실행 중인 "{ $name }" 컨테이너가 없습니다(먼저 시작하십시오)
error-lesson-container-running = 이 레슨에서 "{ $name }" 컨테이너가 이미 실행 중입니다
error-veth-needs-lo = veth에는 컨테이너의 lo가 켜져 있어야 합니다. loopback = false나 veth를 빼십시오
error-could-not-remove = 지우지 못했습니다: { $what }
error-solution-line = `{ $line }` 명령이 실패했습니다(출력: { $output })
error-no-shell = 열린 셸이 없습니다. 먼저 이 단계의 컨테이너를 시작하십시오
error-no-node-yet = 이 레슨에는 아직 노드가 없습니다(net-node 단계가 만듭니다)

## 학생이 일으킬 수 있는 오류: 네임스페이스, 루트 파일시스템 방식, 컨트롤러

error-unknown-namespace = 알 수 없는 네임스페이스 { $name }입니다. pid, net, mount, uts, ipc, user, cgroup을 쉼표로 나열하거나 "all"을 쓰십시오
error-unknown-rootfs-mode = 알 수 없는 루트 파일시스템 방식 { $mode }입니다. host, chroot, pivot 중 하나를 쓰십시오
error-cpu-shares-range = CPU shares { JOSA($shares, "은/는") } 범위를 벗어났습니다. 2에서 262144 사이의 값을 쓰십시오(기본값은 1024)
error-cgroup-v2-no-controller = { $mount }의 cgroup2 계층에는 { $controller } 컨트롤러가 없습니다(cgroup.controllers를 보십시오). 그래서 { $controller } 제한을 걸 수 없습니다. 그 제한 없이 실행하십시오
error-cgroup-v1-no-controller = { $controller } 컨트롤러가 마운트된 cgroup v1 계층이 없습니다. 그래서 { $controller } 제한을 걸 수 없습니다. 마운트하거나 그 제한 없이 실행하십시오

# oci and net track tasks

oci-state-absent = 없음(런타임이 모르는 컨테이너)
check-oci-state-ok = `runtime state { $id }`의 상태는 { $seen }입니다.
check-oci-state-want = `runtime state { $id }`의 상태는 { $seen }입니다. 기대한 상태는 { $want }입니다.
check-podman-ok = podman의 컨테이너 { $name }: 상태 { $status }, 런타임 { $runtime }입니다.
check-podman-want = podman의 컨테이너 { $name }: 상태 { $status }, 런타임 { $runtime }, contlab이 본 상태 { $contlab }입니다. 기대한 값은 상태 { $want_status }, 런타임 { $want_runtime }입니다.
check-podman-absent = podman에 이름이 { $name }인 컨테이너가 없습니다.
check-oci-config-ok = config.json { $at } 값은 { $seen }입니다.
check-oci-config-want = config.json { $at } 값은 { $seen }입니다. 기대한 값은 { $want }입니다.
check-oci-config-missing = config.json { $at }에 값이 없습니다. 기대한 값은 { $want }입니다.
check-oci-config-gone = 기대한 대로 config.json { $at }에 값이 없습니다.
check-oci-config-want-gone = config.json { $at } 값이 아직 { $seen }입니다. 지워져 있어야 합니다.
oci-ns-absent = 목록에 없음(컨테이너가 런타임의 네임스페이스에 그대로 있음)
oci-ns-new = 경로 없이 나열됨(새 네임스페이스)
oci-ns-path = 경로로 합류함({ $path })
oci-ns-joined = 경로로 합류함
check-oci-ns-ok = `linux.namespaces` { $ns }: { $seen }.
check-oci-ns-want = `linux.namespaces` { $ns }: { $seen }. 기대한 것은 { $want }입니다.
check-oci-mount-listed = config.json mounts에 { $at } 항목이 있습니다({ $source }의 { $kind }).
check-oci-mount-unlisted = config.json mounts에 { $at } 항목이 없습니다.
check-oci-mount-want-listed = { $seen } 그 항목이 있어야 합니다.
check-oci-mount-want-unlisted = { $seen } 그 항목이 없어야 합니다.

# apiserver
apiserver-up = API 서버가 { $url }에서 응답합니다(etcd { $etcd }).
apiserver-status-url = API 서버: { $url } (pid { $pid })
apiserver-status-etcd = etcd: { $etcd }
apiserver-not-running = API 서버가 실행 중이 아닙니다.
apiserver-down = API 서버와 etcd를 멈추고 파일을 지웠습니다.
apiserver-sign-cannot-read = 인증서 서명 요청 { JOSA($path, "을/를") } 읽을 수 없습니다: { $why }
apiserver-sign-cannot-write = 인증서를 { $path }에 쓸 수 없습니다: { $why }
apiserver-sign-unreadable = PEM 형식의 인증서 서명 요청(PKCS#10)이 아니거나, 서명이 키와 맞지 않습니다.
apiserver-sign-no-user = 요청에 CN(common name)이 없습니다. CN이 사용자 이름입니다.
apiserver-sign-too-many-groups = 요청에 그룹(O 값)이 { $n }개 있습니다. 여기서 서명한 인증서에는 그룹이 두 개까지만 들어갑니다.
apiserver-sign-failed = 서명할 수 없습니다: { $why }
apiserver-token-bad-name = { JOSA($name, "은/는") } NAMESPACE/SERVICEACCOUNT 형식이 아닙니다(소문자, 숫자, '-', '.'만 씁니다).

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

# checks a world cannot observe
error-unobserved-link = { $container }의 { $link } 링크는 여기서 관찰하지 않습니다
error-unobserved-process = { $container }의 { $comm } 프로세스는 여기서 관찰하지 않습니다
error-unobserved-queues = { $container }의 메시지 큐 목록은 여기서 관찰하지 않습니다
error-unobserved-cgroup = cgroup { JOSA($name, "은/는") } 여기서 관찰하지 않습니다
error-no-oci-bundle-state = { $id }의 상태를 물을 수 없습니다. 이 레슨에는 OCI 번들이 없습니다
error-no-oci-bundle = 이 레슨에는 OCI 번들이 없습니다(`spec` 단계로 먼저 쓰십시오)
error-no-cluster-dns-query = 이름 { $name }의 { $qtype } 레코드를 물을 수 없습니다. 이 레슨에는 클러스터 DNS가 없습니다
error-no-cluster-dns-log = DNS 서버의 기록을 읽을 수 없습니다. 이 레슨에는 클러스터 DNS가 없습니다

# runtime oci: devices, sysctl, seccomp
error-oci-device-type = config.json: linux.devices[{ $index }].type은 "c", "u", "b", "p" 가운데 하나여야 합니다
error-oci-device-numbers = config.json: linux.devices[{ $index }]: major와 minor는 음수일 수 없습니다
error-oci-device-rule-fifo = config.json: linux.resources.devices[{ $index }].type "p": devices 컨트롤러에는 FIFO 규칙이 없습니다. "a", "c", "b" 가운데 하나를 쓰십시오
error-oci-device-access = config.json: linux.resources.devices[{ $index }].access 값 { $access }: "rwm"의 글자만 쓸 수 있습니다
error-oci-sysctl-name = config.json: linux.sysctl: { $key }: sysctl 이름이 아닙니다
error-oci-sysctl-host = config.json: linux.sysctl { $key }: 네임스페이스에 속하지 않는 값이라 바꾸면 호스트가 바뀝니다. net.*(네트워크 네임스페이스와 함께)와 kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*(IPC 네임스페이스와 함께)만 쓸 수 있습니다
error-oci-sysctl-needs-ns = config.json: linux.sysctl { $key }: `linux.namespaces`에 "{ $ns }" 항목이 있어야 합니다. 없으면 호스트의 값이 바뀝니다
error-oci-inside-path = config.json: { $field } 값 { $path }: '..' 없는 절대 경로여야 합니다
error-oci-seccomp-arch = config.json: 아직 지원하지 않습니다: 이 아키텍처의 linux.seccomp
error-send-init-config = 컨테이너의 init에 설정을 보낼 수 없습니다
error-send-exec-config = contlab의 exec 도우미에 설정을 보낼 수 없습니다
error-init-died-at-once = 컨테이너의 init이 곧바로 죽었습니다
error-init-died-before-start = 컨테이너의 init이 시작하기 전에 죽었습니다
error-oom-score-adj = process.oomScoreAdj를 { JOSA($adj, "으로/로") } 정할 수 없습니다
error-hook-exited = 훅 #{ $index }(hooks.{ $stage }[{ $index }], { $path }) 실행 오류: 종료 상태 { JOSA($code, "으로/로") } 끝났습니다
error-hook-killed = 훅 #{ $index }(hooks.{ $stage }[{ $index }], { $path }) 실행 오류: 시그널 { $signal }에 죽었습니다
error-hook-timeout = 훅 #{ $index }(hooks.{ $stage }[{ $index }], { $path }) 실행 오류: 제한 시간 { $secs }초를 넘겼습니다
error-hook-start = 훅 #{ $index }(hooks.{ $stage }[{ $index }], { $path }) 실행 오류: 시작할 수 없습니다

## The API server track (lesson::api_step)
api-expected = 기대한 것: { $expected }.
api-key-absent = etcd에 { $key } 키가 없습니다.
api-key-seen = etcd에 { $key } 키가 있고 값은 “{ $value }”입니다. 만들어진 뒤 { $version }번 쓰였고 마지막으로 리비전 { $rev }에서 쓰였습니다.
api-key-leased = 리스 { JOSA($lease, "이/가") } 이 키를 붙들고 있습니다.
api-key-unleased = 이 키를 붙든 리스가 없습니다.
api-key-compacted = 리비전 { JOSA($rev, "은/는") } 컴팩션으로 지워졌습니다.
api-key-history = 리비전 { JOSA($rev, "을/를") } 아직 읽을 수 있습니다.
api-want-key = 그 키
api-want-no-key = 그 키가 없는 상태
api-want-value = 값 “{ $value }”
api-want-versions = { $n }번 이상의 쓰기
api-want-leased = 키를 붙든 리스
api-want-unleased = 키를 붙든 리스가 없는 상태
api-want-compacted = 이전 리비전이 컴팩션된 상태
api-want-history = 이전 리비전을 아직 읽을 수 있는 상태
api-object-absent = etcd에 { JOSA($key, "이/가") } 없습니다. API 서버에 그런 오브젝트가 저장되어 있지 않습니다.
api-object-seen = API 서버가 { JOSA($key, "을/를") } etcd에 저장했습니다.
api-object-field = { $pointer }의 값은 { $value }입니다.
api-object-no-field = { $pointer }에 값이 없습니다.
api-want-object = 그 오브젝트
api-want-no-object = 그 오브젝트가 없는 상태
api-want-field = { $pointer }의 값 { $value }
api-verdict-seen = `{ $asked }`에 API 서버가 { JOSA($answer, "으로/로") } 답합니다.
api-audit-found = 감사 로그에 { $pattern }에 맞는 줄이 있습니다: { $line }
api-audit-unwanted = 감사 로그에 { $pattern }에 맞는 줄이 없어야 하는데 있습니다: { $line }
api-audit-none = 감사 로그의 { $n }줄 가운데 { $pattern }에 맞는 줄이 없습니다.
requires-kubectl-missing = API 서버 트랙에는 etcd, etcdctl, kubectl, curl, openssl이 필요합니다. Debian의 etcd-server, etcd-client, kubernetes-client, curl, openssl을 설치하십시오
error-apiserver-busy = { $url }에서 API 서버가 이미 실행 중입니다(pid { $pid }). 먼저 `contlab apiserver down`으로 멈추십시오
error-no-apiserver = 이 레슨은 아직 API 서버를 시작하지 않았습니다(`api-start` 단계)
error-no-apiserver-key = { JOSA($key, "을/를") } 읽을 수 없습니다. 이 레슨에는 etcd가 없습니다
error-etcdctl-failed = `etcdctl { $args }` 실행이 실패했습니다: { $output }
error-kubectl-failed = `kubectl { $args }` 실행이 실패했습니다: { $output }

# 네트워킹 트랙: 인그레스 컨트롤러(l4-vs-l7)
net-http-seen = { $from } 파드에서 { JOSA($to, "으로/로") } Host: { $host } 헤더를 달아 GET { $path } 요청 { $requests }개를 보냈습니다: { $answers }.
net-http-unanswered = 응답 없음 { $count }개
net-http-refused = 인그레스 프록시가 지금 상태의 파일을 거부하고 이전 규칙을 유지합니다: { $error }
net-http-expected = 모든 요청이 { $backends }에서 상태 200으로 응답을 받아야 하고, 각 파드가 적어도 한 번 응답해야 합니다.
ingress-error-yaml = { $file }:{ $line }: 인그레스를 읽을 수 있는 YAML이 아닙니다: { $detail }
ingress-error-api-version = { $at }: apiVersion { $found }: 인그레스의 apiVersion은 { $want }입니다({ $old } 버전은 쿠버네티스 1.22부터 제공되지 않습니다)
ingress-error-kind = { $at }: kind { $found }: 파일에는 인그레스(kind: Ingress) 하나가 있어야 합니다
ingress-error-empty = { $at }: 이 인그레스는 아무것도 라우팅하지 않습니다. spec.rules 또는 spec.defaultBackend 값을 주십시오
ingress-error-backend = { $at }: 백엔드에 필요한 값: service.name, service.port.number(또는 service.port.name)
ingress-error-service = { $at }: 백엔드가 가리키는 "{ $service }" 서비스가 이 노드에 없습니다. 노드의 서비스: { $services }
ingress-error-port = { $at }: "{ $service }" 서비스에는 { $port } 포트가 없습니다. 이 서비스의 포트: { $ports }
ingress-error-host = { $at }: 호스트 "{ $host }": DNS 이름이 아닙니다. 소문자, 숫자, '-'로 된 레이블을 점으로 이어 쓰고, 필요하면 앞에 '*.'를 붙이십시오(IP 주소는 쓸 수 없습니다)
ingress-error-no-paths = { $at }: 규칙에 http.paths 항목이 없습니다. 경로마다 path, pathType, backend 값을 주십시오
ingress-error-path = { $at }: 경로 "{ $path }": '/'로 시작하지 않습니다
ingress-error-path-type = { $at }: pathType { $found }: Exact, Prefix, ImplementationSpecific 중 하나를 쓰십시오({ $want }에서는 경로마다 필수입니다)
ingress-error-read = 인그레스 파일 { JOSA($file, "을/를") } 읽을 수 없습니다
ingress-error-utf8 = { $file }: 파일이 UTF-8 텍스트가 아닙니다

## The terminal UI: what a key just did (the status line's message)

tui-language-switched = 언어: 한국어.
tui-lesson-reset = 레슨을 초기화했습니다.

## The terminal UI: the shell pane's title and its note before a shell runs

tui-shell-title-host-focused = 호스트 셸 — 컨테이너가 아닙니다: 입력이 이 머신에서 실행됩니다 · Ctrl-] 또는 F6으로 나가기
tui-shell-title-host = 호스트 셸 — 레슨 작업 디렉터리 · Tab으로 여기에 입력
tui-shell-title-focused = 셸 — 입력이 컨테이너로 갑니다 · Ctrl-] 또는 F6으로 나가기
tui-shell-title = 셸 — Tab으로 여기에 입력
tui-shell-reading = 셸은 라이브 모드(sudo contlab)에서 레슨의 컨테이너 안에서 돕니다.
tui-shell-not-started = 단계가 컨테이너를 시작하면 그 안에서 셸이 열립니다.

## The terminal UI: what a key could not do (the status line's message)

tui-no-solution = 이 단계에는 보여 줄 풀이가 없습니다.
tui-request-needs-live = 요청 빌더는 레슨 엔진에 묻기 때문에 라이브 모드에서만 동작합니다.
tui-cluster-needs-live = 클러스터 조작은 라이브 모드에서만 됩니다: `sudo contlab`을 실행하세요.
tui-no-hints = 이 단계에는 힌트가 없습니다.
tui-last-hint = 마지막 힌트였습니다. `s`로 풀이를 볼 수 있습니다.
tui-choose-answer-first = 먼저 글자 키로 답을 고르세요.
tui-live-unavailable = 라이브 모드를 쓸 수 없습니다: 단계는 root로만 커널에서 실행됩니다. 종료하고 `sudo contlab`을 실행하세요.
tui-step-still-running = 다른 단계가 아직 실행 중입니다.

## The terminal UI: the lesson browser

tui-browser-lessons = 레슨
tui-browser-no-lessons = 레슨이 없습니다. --lessons로 레슨 묶음을 지정하세요.
tui-browser-no-match = 필터에 맞는 레슨이 없습니다 (Esc로 지우기).

## The terminal UI: the lesson pane (a step's kind, its sections, what to do next) and the steps list

tui-step-kind-run = 실행
tui-step-kind-task = 과제
tui-step-kind-quiz = 퀴즈
tui-step-kind-read = 읽기
tui-quiz-choose-letter = 글자 키로 고른 뒤 Enter.
tui-lesson-checks = 검사
tui-lesson-solution = 풀이
tui-lesson-why = 왜 중요한가
tui-lesson-output = 출력
tui-next-passed = 통과. n: 다음 단계.
tui-next-task-running = 아래 셸에서 작업하세요. 검사는 계속 다시 실행됩니다. h: 힌트.
tui-next-task = Enter로 과제를 시작하고 셸에서 작업하세요.
tui-next-quiz = 답을 고른 뒤 Enter.
tui-next-read = Enter로 읽음 표시.
tui-next-run = Enter로 이 단계를 실행합니다.
tui-lesson-steps = 단계

## The terminal UI: the panels (Proc, Cgroup, Trace, Cluster, Net) and their empty states

tui-panel-needs-live = 라이브 패널은 라이브 모드가 필요합니다: `sudo contlab`을 실행하세요.
tui-panel-proc-empty = 아직 표본이 없습니다: Enter로 단계를 실행하세요.
tui-panel-cgroup-empty = 아직 cgroup이 없습니다: 제한을 둔 컨테이너를 시작하는 단계가 만듭니다.
tui-panel-trace-empty = 이 단계에서 런타임이 부른 시스템 콜이 여기에 나옵니다.
tui-panel-cluster-net = 네트워킹 트랙의 노드는 Net 패널에 있습니다: 5를 누르세요.
tui-panel-cluster-empty = 클러스터 상태가 없습니다: Raft, RBAC, API 서버 트랙이 여기에 클러스터를 보여 줍니다.
tui-panel-net-empty = 아직 노드 네트워크가 없습니다: 네트워킹 트랙의 레슨이 여기에 노드를 보여 줍니다.
tui-proc-container = 컨테이너
tui-proc-host = 호스트
tui-proc-host-label = 호스트:
tui-cgroup-processes = 프로세스: { $count }
tui-cgroup-memory = 메모리 · max { $kib } KiB
tui-lesson-hint = 힌트 { $n }

## The terminal UI: the lesson browser (banner, filter, a lesson's summary)

tui-browser-filter = 거르기:
tui-mode-live = 라이브
tui-mode-reading = 읽기
tui-mode-replay = 재생
tui-browser-tagline = 커널부터 쌓아 올리는 컨테이너
tui-browser-reading-mode = 읽기 모드: 라이브 단계는 root가 필요합니다(종료하고 `sudo contlab`을 실행하세요). 레슨을 열면 그 레슨을 실제로 실행한 기록이 모든 패널 그대로 재생됩니다. space로 멈추고, n/p로 단계를 오갑니다.
tui-browser-minutes = 분
tui-browser-done = 완료
tui-browser-started = 통과 { $passed }/{ $steps } · Enter로 이어서: 단계 { $step }
tui-browser-new = { $steps } 단계 · Enter로 열기

## The terminal UI: the status bar (mode, the open lesson's step and focus, keys)

tui-status-live = 라이브
tui-status-reading = 읽기
tui-status-replay = 재생
tui-focus-lesson = 레슨
tui-focus-panels = 패널
tui-focus-shell = 셸
tui-focus-request = 요청
tui-status-step = { $lesson } · 단계 { $step }/{ $steps } · 통과 { $passed }/{ $steps } · 포커스: { $focus }
tui-status-keys = ? 도움말  q 종료

## The terminal UI: the help overlay, one line per key (tui::keys::KEYMAP)

tui-key-browse = 목록: 레슨 고르기, 열기 (멈춘 곳부터 이어서)
tui-key-filter = 목록: 아이디, 제목, 트랙, 주제로 거르기
tui-key-esc = 필터 지우기; 레슨에서는 목록으로
tui-key-next = 다음 단계
tui-key-previous = 이전 단계
tui-key-run = 단계 실행 (퀴즈: 고른 답 제출)
tui-key-quiz = 퀴즈: 답 고르기
tui-key-hint = 다음 힌트 (실패한 검사에 맞춘 힌트 먼저)
tui-key-solution = 풀이 보기와 실행 (먼저 묻습니다)
tui-key-reset = 레슨 초기화 (먼저 묻습니다)
tui-key-focus = 포커스 이동: 레슨 → 패널 → 셸
tui-key-leave-shell = 셸 창에서 나오기 (다른 키는 모두 셸로)
tui-key-panels = 패널: Proc, Cgroup, Trace, Cluster, Net
tui-key-rbac-request = RBAC: Cluster 패널에서 요청 만들기
tui-key-builder = 빌더: 항목, 고르기·입력, ⇄ who-can, Esc로 나가기
tui-key-scroll = 포커스된 창 스크롤
tui-key-raft-play = Raft (Raft 단계의 Cluster 패널): 재생 / 일시 정지
tui-key-raft-tick = Raft: 한 tick 진행 · 메시지 하나 전달
tui-key-raft-speed = Raft: 빠르게 · 느리게
tui-key-raft-scrub = Raft: 타임라인을 한 tick 뒤로 · 다시 앞으로
tui-key-raft-jump = Raft: 이전 · 다음 선거나 장애로
tui-key-raft-crash = Raft: 고른 노드를 죽이기, 또는 다시 시작
tui-key-raft-isolate = Raft: 고른 노드를 고립 (네트워크 분할), 또는 복구
tui-key-raft-drop = Raft: 고른 노드 링크의 다음 메시지 버리기
tui-key-raft-propose = Raft: 고른 노드에 클라이언트 요청 (propose)
tui-key-raft-split-vote = Raft: 표 갈림 일으키기
tui-key-raft-campaign = Raft: 고른 노드가 지금 선거에 나서기 (campaign)
tui-key-raft-select = Raft, Cluster 패널에 포커스 (Tab): 노드 고르기
tui-key-help = 이 도움말
tui-key-language = 언어 바꾸기: English ⇄ 한국어 (L은 레슨에서)
tui-key-quit = 종료 (컨테이너가 돌고 있으면 묻고, 모두 정리)
tui-help-close = ↑ ↓ PgUp PgDn: 스크롤 · 다른 키를 누르면 닫힙니다.
tui-help-title = 도움말 — 키
tui-help-title-more = 도움말 — 키 (↓ 더 있음)

## The terminal UI: the questions asked before an action that cannot be undone

tui-confirm-quit = 종료할까요? 레슨의 컨테이너를 멈추고 지웁니다.
tui-confirm-leave = 레슨 목록으로 갈까요? 레슨의 컨테이너를 멈추고 지웁니다.
tui-confirm-reset = 이 레슨을 초기화할까요? 진행 기록을 지우고 컨테이너를 없앱니다.
tui-confirm-solution = 아직 이 과제를 통과하지 않았습니다. 풀이를 보고 실행할까요?
tui-confirm-keys = y: 예   n/Esc: 아니오

## The terminal UI: reading mode and the replay of a recorded run (the status line)

tui-reading-start = 라이브 모드는 root가 필요합니다. 레슨을 열면 실제 실행 기록이 재생됩니다
tui-replay-none = 이 레슨에는 실행 기록이 없습니다: 읽기만 할 수 있습니다
tui-replay-keys = space 정지/재생 · n/p 단계 · [ ] 5초 · +/- 속도
tui-replay-stopped = 여기서 멈춤: { $damage }

## The terminal UI: presenter mode's header

tui-presenter-step = 단계 { $step } / { $steps }
tui-presenter-keys = n/→ 다음 · p/← 이전 · Tab 창 전환 · 1-5 상태 창

## The terminal UI: the RBAC request builder (Cluster panel) and its answer

tui-rbac-field-subject = 주체
tui-rbac-field-user = 사용자
tui-rbac-field-groups = 그룹
tui-rbac-field-namespace = 네임스페이스
tui-rbac-field-name = 이름
tui-rbac-field-verb = 동사
tui-rbac-field-resource = 리소스
tui-rbac-verdict-from = { $url }의 SubjectAccessReview로 판정
tui-rbac-cluster-scope = (클러스터 범위)
tui-rbac-keys = ↑↓ 항목  ←→ 고르기  입력해 고치기  Enter 누가 하나  Esc 돌아가기
tui-rbac-keys-who-can = ↑↓ 항목  ←→ 고르기  입력해 고치기  Enter 판정  Esc 돌아가기
tui-rbac-asking = 묻는 중…
tui-rbac-who-can = { $verb } { $target }: 할 수 있는 주체
tui-rbac-who-can-nobody = RBAC 바인딩으로는 아무도 없습니다
tui-rbac-superuser = RBAC 전에 모두 허용

## The terminal UI: the Raft simulation (Cluster panel): its header and its keys' footer

tui-raft-playing = 재생 { $speed }/s
tui-raft-paused = 멈춤
tui-raft-key-play = 재생
tui-raft-key-tick = tick
tui-raft-key-message = 메시지
tui-raft-key-speed = 속도
tui-raft-key-scrub = 되감기
tui-raft-key-crash = 죽이기
tui-raft-key-isolate = 고립
tui-raft-key-drop = 버리기
tui-raft-key-request = 요청
tui-raft-key-split-vote = 표 갈림
tui-raft-key-campaign = 선거
tui-raft-footer-node = 노드 { $node } · ? 키

## The terminal UI: the real etcd cluster's members (Cluster panel)

tui-etcd-head = 멤버    상태       리더    임기  raft index
tui-etcd-keys = c 죽이기·다시 시작 · ←→ 멤버 { $member } · ? 키
