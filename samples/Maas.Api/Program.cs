using Maas.Api;

// maas-api: the Maas sample host. A wrong flag or setting stops start-up with one line and exit code 2.
return await MaasApiProgram.RunAsync(args, Console.Error);
