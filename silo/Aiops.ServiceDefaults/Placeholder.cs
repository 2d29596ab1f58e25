namespace Aiops.ServiceDefaults;
