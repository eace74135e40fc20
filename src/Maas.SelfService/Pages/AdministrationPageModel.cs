namespace Maas.SelfService.Pages;

/// <summary>A screen for administrators only: search, bulk revocation, audit trail.</summary>
internal abstract class AdministrationPageModel(SelfServicePageServices services) : SelfServicePageModel(services)
{
    protected sealed override bool ForAdministrators => true;
}
