using System.Xml.Linq;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Testing;

/// <summary>KmsService.Testing ships the service's assemblies inside its package, so the service's own package
/// dependencies must be restated as the fixture's: one forgotten makes every consumer fail to start the service.</summary>
public sealed class TestingPackageTests
{
    [Fact]
    public void TestingPackage_RestatesEveryRuntimeDependencyOfTheService()
    {
        static HashSet<string> References(string project, bool runtimeOnly) =>
            XDocument.Parse(RepositoryFiles.Read(project)).Descendants("PackageReference")
                .Where(r => !runtimeOnly || (string?)r.Attribute("PrivateAssets") != "all")
                .Select(r => (string)r.Attribute("Include")!)
                .ToHashSet(StringComparer.Ordinal);

        var service = References("src/KmsService/KmsService.csproj", runtimeOnly: true);
        var fixture = References("src/KmsService.Testing/KmsService.Testing.csproj", runtimeOnly: false);

        Assert.Empty(service.Except(fixture));
    }
}
