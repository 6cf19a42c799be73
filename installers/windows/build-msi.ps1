# Builds Stickwright's Windows installer (.msi) with its own Java runtime:
#
#   powershell -File installers\windows\build-msi.ps1 [-Dest target\installers]
#
# Needs a JDK 17+ with jmods (JAVA_HOME), Maven, Git for Windows (its bash runs the staging
# script shared with Linux, installers/common/stage.sh), WiX 3 (candle.exe and light.exe on
# the PATH: jpackage 17 drives WiX 3 only).
# .github/workflows/windows-msi.yml runs it.
#
# The installer puts into Program Files\Stickwright:
#   Stickwright.exe       the wizard (no console); "Stickwright.exe helper ..." is the helper
#   stickwright-cli.exe   the command line (console launcher)
#   app\, runtime\        the jars and the jlinked runtime
# and a Start-menu folder "Stickwright". It is a per-machine install (the helper has to run
# elevated anyway) and upgrades in place: the upgrade code below never changes, the version
# comes from the pom.
#
# Elevation: the wizard runs with the user's rights; only its helper ("Stickwright.exe helper")
# is started elevated, through Start-Process -Verb RunAs (org.stickwright.ui.HelperLauncher), so
# UAC asks when a job on a physical drive starts, and the launchers keep jpackage's manifests.
param([string]$Dest = 'target/installers')

$ErrorActionPreference = 'Stop'
$UpgradeUuid = '30b5a907-894d-4a94-89f7-6c1b7718eec4'
$Summary = 'Make persistent live USB sticks from Linux live images'

$root = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path
Set-Location $root
$Dest = $Dest -replace '\\', '/'
$work = "$Dest/work"
if (Test-Path $work) { Remove-Item -Recurse -Force $work }

# Git for Windows' bash, not WSL's bash.exe that may come first on the PATH.
$git = (Get-Command git.exe).Source
$bash = Join-Path (Split-Path (Split-Path $git)) 'bin\bash.exe'
& $bash installers/common/stage.sh "$work/stage"
if ($LASTEXITCODE -ne 0) { throw "stage.sh failed ($LASTEXITCODE)" }
$version = (Get-Content "$work/stage/version").Trim()

$jpackage = if ($env:JAVA_HOME) { Join-Path $env:JAVA_HOME 'bin\jpackage.exe' } else { 'jpackage' }
$common = @('--name', 'Stickwright', '--app-version', $version, '--vendor', 'Stickwright developers',
    '--description', $Summary, '--copyright', 'The Stickwright developers, GPL-3.0-or-later')

& $jpackage --type app-image --dest "$work/image" @common `
    --input "$work/stage/input" --main-jar "stickwright-$version.jar" --main-class org.stickwright.Main `
    --runtime-image "$work/stage/runtime" --icon icons/stickwright.ico `
    --add-launcher "stickwright-cli=installers/windows/stickwright-cli.properties"
if ($LASTEXITCODE -ne 0) { throw "jpackage app-image failed ($LASTEXITCODE)" }

& $jpackage --type msi --dest $Dest --app-image "$work/image/Stickwright" @common `
    --license-file LICENSE --win-upgrade-uuid $UpgradeUuid `
    --win-menu --win-menu-group Stickwright --win-dir-chooser --win-shortcut-prompt
if ($LASTEXITCODE -ne 0) { throw "jpackage msi failed ($LASTEXITCODE)" }
Get-ChildItem "$Dest/Stickwright-$version.msi" | ForEach-Object { "{0} ({1:N0} bytes)" -f $_.FullName, $_.Length }
