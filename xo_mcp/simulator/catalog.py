"""Realistic building blocks for generated inventories: roles, guest systems, hardware, patches.

Everything here is shared by many generated objects: never mutate it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GIB = 1024**3

# "Now" for every generated timestamp, so inventories are identical from run to run.
NOW_S = 1_760_000_000


@dataclass(frozen=True)
class Role:
    prefix: str
    description: str
    tags: tuple[str, ...]
    guests: tuple[str, ...]
    """Keys of GUESTS this role runs."""
    memory_gib: tuple[int, ...]
    vcpus: tuple[int, ...]
    weight: int


ROLES: tuple[Role, ...] = (
    Role("web", "Production web frontend", ("prod", "web"), ("debian12", "ubuntu2204"), (2, 4, 8), (2, 4), 10),
    Role("db-prod", "Production database", ("prod", "db"), ("debian12", "rocky9"), (16, 32, 64), (8, 16), 5),
    Role("db-staging", "Staging database", ("staging", "db"), ("debian12", "rocky9"), (8, 16), (4, 8), 3),
    Role("app", "Application server", ("prod", "app"), ("ubuntu2204", "ubuntu2404", "alma9"), (4, 8, 16), (2, 4, 8), 8),
    Role("api", "Public API backend", ("prod", "api", "env=prod"), ("debian12", "alpine319"), (2, 4), (2, 4), 6),
    Role("cache", "Redis cache", ("prod", "cache"), ("debian12",), (4, 8), (2,), 4),
    Role("k8s-node", "Kubernetes worker", ("k8s", "prod"), ("ubuntu2204", "ubuntu2404"), (16, 32), (8, 16), 8),
    Role("ci-runner", "CI runner", ("ci",), ("ubuntu2404", "debian12"), (8,), (4, 8), 5),
    Role("dev", "Developer sandbox", ("dev",), ("ubuntu2404", "debian11", "alpine319"), (2, 4), (1, 2), 6),
    Role("test", "Test environment", ("test", "staging"), ("debian11", "centos7"), (2, 4), (1, 2), 4),
    Role("mail", "Mail relay", ("infra", "mail"), ("debian11",), (2,), (2,), 2),
    Role("dns", "Internal DNS resolver", ("infra", "dns"), ("debian12", "alpine319"), (1, 2), (1,), 2),
    Role("monitoring", "Prometheus and Grafana", ("infra", "monitoring"), ("ubuntu2204",), (8,), (4,), 2),
    Role("backup-proxy", "Backup proxy", ("infra", "xo:no-bak"), ("debian12",), (4,), (4,), 1),
    Role("vpn", "VPN gateway", ("infra", "network"), ("alpine319", "debian12"), (1, 2), (1, 2), 1),
    Role("lb", "HAProxy load balancer", ("prod", "network"), ("debian12",), (2,), (2,), 2),
    Role("win-ad", "Active Directory domain controller", ("windows", "infra"), ("win2022", "win2019"), (8,), (4,), 2),
    Role("win-rds", "Remote desktop host", ("windows",), ("win2022",), (16, 32), (8,), 2),
    Role("legacy", "Legacy application, do not touch", ("legacy",), ("centos7", "debian11"), (2,), (1, 2), 1),
)


@dataclass(frozen=True)
class Guest:
    os_version: dict[str, str]
    template: str
    """name_label of the default template VMs of this guest are created from."""
    windows: bool
    pv_drivers: str


def _os(**values: str) -> dict[str, str]:
    return dict(values)


GUESTS: dict[str, Guest] = {
    "debian12": Guest(
        _os(distro="debian", major="12", minor="7", name="Debian GNU/Linux 12 (bookworm)", uname="6.1.0-25-amd64"),
        "Debian Bookworm 12",
        False,
        "8.3.0-1",
    ),
    "debian11": Guest(
        _os(distro="debian", major="11", minor="11", name="Debian GNU/Linux 11 (bullseye)", uname="5.10.0-32-amd64"),
        "Debian Bullseye 11",
        False,
        "7.30.0-11",
    ),
    "ubuntu2204": Guest(
        _os(distro="ubuntu", major="22", minor="04", name="Ubuntu 22.04.5 LTS", uname="5.15.0-122-generic"),
        "Ubuntu Jammy Jellyfish 22.04",
        False,
        "8.3.0-1",
    ),
    "ubuntu2404": Guest(
        _os(distro="ubuntu", major="24", minor="04", name="Ubuntu 24.04.1 LTS", uname="6.8.0-45-generic"),
        "Ubuntu Noble Numbat 24.04",
        False,
        "8.3.0-1",
    ),
    "rocky9": Guest(
        _os(distro="rocky", major="9", minor="4", name="Rocky Linux 9.4 (Blue Onyx)", uname="5.14.0-427.13.1.el9_4"),
        "Rocky Linux 9",
        False,
        "8.2.0-2",
    ),
    "alma9": Guest(
        _os(distro="almalinux", major="9", minor="4", name="AlmaLinux 9.4 (Seafoam Ocelot)", uname="5.14.0-427.el9"),
        "AlmaLinux 9",
        False,
        "8.2.0-2",
    ),
    "centos7": Guest(
        _os(distro="centos", major="7", minor="9", name="CentOS Linux 7 (Core)", uname="3.10.0-1160.el7.x86_64"),
        "CentOS 7",
        False,
        "7.20.0-9",
    ),
    "alpine319": Guest(
        _os(distro="alpine", major="3", minor="19", name="Alpine Linux v3.19", uname="6.6.58-0-virt"),
        "Alpine Linux 3.19",
        False,
        "8.3.0-1",
    ),
    # Windows guests report their name with `|`-separated install paths: a good markdown escaping case.
    "win2022": Guest(
        _os(
            distro="windows",
            major="10",
            minor="0",
            build="20348",
            name="Microsoft Windows Server 2022 Standard|C:\\Windows|\\Device\\Harddisk0\\Partition2",
            uname="10.0.20348",
        ),
        "Windows Server 2022 (64-bit)",
        True,
        "9.3.3",
    ),
    "win2019": Guest(
        _os(
            distro="windows",
            major="10",
            minor="0",
            build="17763",
            name="Microsoft Windows Server 2019 Datacenter|C:\\Windows|\\Device\\Harddisk0\\Partition2",
            uname="10.0.17763",
        ),
        "Windows Server 2019 (64-bit)",
        True,
        "9.3.1",
    ),
}

EXTRA_TEMPLATES: tuple[str, ...] = ("Other install media", "Generic Linux UEFI")

POOL_NAMES: tuple[str, ...] = (
    "Lyon DC",
    "Paris Prod",
    "Grenoble Lab",
    "Nantes Edge",
    "Berlin DR",
    "Montreal",
    "Singapore",
    "Austin",
)

POOL_DESCRIPTIONS: tuple[str, ...] = (
    "Main production datacenter",
    "Customer-facing services",
    "Lab and staging",
    "Edge sites",
    "Disaster recovery",
    "North America",
    "Asia-Pacific",
    "Build farm",
)


@dataclass(frozen=True)
class Platform:
    brand: str
    version: str
    build: str
    platform_version: str
    patch_style: str
    """`xcp` or `xs`: the shape of its missing-patch items."""


PLATFORMS: tuple[Platform, ...] = (
    Platform("XCP-ng", "8.3.0", "8.3.0", "3.4.1", "xcp"),
    Platform("XenServer", "8.4.0", "24.33.0", "3.4.0", "xs"),
    Platform("XCP-ng", "8.2.1", "release/yangtze/master/58", "3.2.1", "xcp"),
)


@dataclass(frozen=True)
class Cpu:
    vendor: str
    modelname: str
    speed: str
    family: str
    model: str
    stepping: str
    cores: int
    sockets: int
    threads_per_core: int
    memory_gib: int


CPU_MODELS: tuple[Cpu, ...] = (
    Cpu("GenuineIntel", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", "2000.000", "6", "106", "6", 64, 2, 2, 512),
    Cpu("AuthenticAMD", "AMD EPYC 7443P 24-Core Processor", "2850.000", "25", "1", "1", 24, 1, 2, 256),
    Cpu("GenuineIntel", "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", "2394.454", "6", "79", "1", 28, 2, 2, 256),
    Cpu("GenuineIntel", "Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz", "2194.843", "6", "85", "7", 24, 2, 2, 192),
)

CPU_FLAGS = (
    "fpu de tsc msr pae mce cx8 apic sep mca cmov pat clflush acpi mmx fxsr sse sse2 ht syscall nx lm pni vmx avx avx2"
)


def _patch(
    name: str, version: str, release: str, description: str, size: int, change: str, date: int
) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "release": release,
        "description": description,
        "url": "https://xcp-ng.org",
        "license": "GPLv2",
        "size": size,
        "changelog": {"date": date, "description": change, "author": f"XCP-ng packaging <pkg@xcp-ng.org> - {version}"},
    }


XCP_PATCHES: tuple[dict[str, Any], ...] = (
    _patch("xapi-core", "25.6.0", "1.11.xcpng8.3", "Xen API toolstack", 9_512_340, "- Fix VM import", 1_756_000_000),
    _patch(
        "xen-hypervisor", "4.17.5", "8.1.xcpng8.3", "Xen hypervisor", 2_314_112, "- Security fix XSA-470", 1_757_000_000
    ),
    _patch(
        "kernel", "4.19.19", "8.0.38.1.xcpng8.3", "Dom0 Linux kernel", 31_220_004, "- Backport NVMe fix", 1_755_000_000
    ),
    _patch(
        "openssl", "1.1.1k", "9.1.xcpng8.3", "TLS toolkit", 1_630_212, "- Security fix CVE-2025-1234", 1_754_000_000
    ),
    _patch("sm", "3.2.3", "1.14.xcpng8.3", "Storage manager", 1_201_556, "- Improve LVM scan", 1_758_000_000),
    _patch(
        "xcp-ng-xapi-plugins", "1.11.0", "1.xcpng8.3", "XAPI plugins", 81_004, "- New updater plugin", 1_759_000_000
    ),
)


def _xs_patch(name: str, description: str, date: str, guidance: str, patch_id: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "date": date,
        "guidances": guidance,
        "id": patch_id,
        "url": f"https://updates.example.net/xenserver/{name}",
    }


XS_PATCHES: tuple[dict[str, Any], ...] = (
    _xs_patch("XS84E011", "Security update for the hypervisor", "2025-07-08T00:00:00Z", "RebootHost", "6f0a3d52-1b11"),
    _xs_patch("XS84E012", "Toolstack fixes", "2025-08-12T00:00:00Z", "RestartToolstack", "6f0a3d52-1b12"),
    _xs_patch("XS84E013", "Storage driver update", "2025-09-09T00:00:00Z", "RestartToolstack", "6f0a3d52-1b13"),
)

MESSAGE_NAMES: tuple[str, ...] = ("VM_STARTED", "VM_SHUTDOWN", "VM_REBOOTED", "VM_SNAPSHOTTED", "VM_CLONED")


# Devices ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PciDevice:
    class_name: str
    device_name: str
    pci_id: str


HOST_PCIS: tuple[PciDevice, ...] = (
    PciDevice("Ethernet controller", "Ethernet Controller X710 for 10GbE SFP+", "0000:3b:00.0"),
    PciDevice("Ethernet controller", "Ethernet Controller X710 for 10GbE SFP+", "0000:3b:00.1"),
    PciDevice("Non-Volatile memory controller", "PM9A3 NVMe SSD Controller", "0000:5e:00.0"),
)
GPU_PCI = PciDevice("VGA compatible controller", "GA102GL [RTX A6000]", "0000:af:00.0")


@dataclass(frozen=True)
class SmPlugin:
    sm_type: str
    name_label: str
    name_description: str
    driver: str
    configuration: dict[str, str]


SM_PLUGINS: tuple[SmPlugin, ...] = (
    SmPlugin(
        "ext",
        "Local EXT4 VHD",
        "SR plugin which represents disks as VHD files stored on a local EXT4 filesystem, created inside an LVM volume",
        "/opt/xensource/sm/EXTSR",
        {"device": "local device path (required) (e.g. /dev/sda3)"},
    ),
    SmPlugin(
        "nfs",
        "NFS VHD",
        "SR plugin which stores disks as VHD files on a remote NFS filesystem",
        "/opt/xensource/sm/NFSSR",
        {"server": "hostname or IP address of NFS server (required)", "serverpath": "path on remote server (required)"},
    ),
    SmPlugin(
        "lvm",
        "Local LVHD",
        "SR plugin which represents disks as VHDs on Logical Volumes within a locally-attached Volume Group",
        "/opt/xensource/sm/LVMSR",
        {"device": "local device path (required) (e.g. /dev/sda3)"},
    ),
    SmPlugin("iso", "ISO", "Handles CD images stored as files in iso format", "/opt/xensource/sm/ISOSR", {}),
    SmPlugin(
        "udev",
        "Local Device Passthrough",
        "SR plugin which represents removable media (CD-ROM, USB sticks) as VDIs",
        "/opt/xensource/sm/udevSR",
        {"location": "path to mount (required)"},
    ),
    SmPlugin(
        "linstor",
        "LINSTOR resources",
        "SR plugin which provides disks as LINSTOR resources replicated across the pool's hosts (XOSTOR)",
        "/opt/xensource/sm/LinstorSR",
        {"group-name": "LVM group name (required)", "redundancy": "replication count (required)"},
    ),
)


# Backups ---------------------------------------------------------------------------------------

# XAPI and XO errors as backup logs carry them: (message, extra properties of the serialized error).
VDI_IO_ERROR = "VDI_IO_ERROR(Device I/O errors)"
SR_FULL_ERROR = "SR_BACKEND_FAILURE_44(, There is insufficient space, )"
UNHEALTHY_CHAIN = "unhealthy VDI chain"
NO_VMS_MATCH = "no VMs match this pattern"
ALL_TARGETS_FAILED = "all targets have failed, step: writer.run()"
REMOTE_UNREACHABLE = "connect EHOSTUNREACH 10.0.8.20:445"
VM_MIGRATE_FAILED = "VM_MIGRATE_FAILED(OpaqueRef:3f1e2d4c-5b6a-7980-a1b2-c3d4e5f60718, not enough memory on the host)"
NO_HOSTS_AVAILABLE = "NO_HOSTS_AVAILABLE()"
CHAIN_DOC_LINK = "https://docs.xen-orchestra.com/backup_troubleshooting#vdi-chain-protection"
