import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{b as m,d as e}from"./chunk-WSIJC3H6.js";import{l as o,t as r}from"./chunk-DWO5JKHP.js";var t=o(m,"ResourceGroupsTaggingAPI_20170126","ResourceGroupsTaggingAPIClient",r),n={},p=(c,i,g,a)=>[];var s=class extends t(n,p,"GetResources",e){};export{t as a,n as b,p as c,s as d};
